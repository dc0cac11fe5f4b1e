import type { StrategyConfig } from "@tlab/core/strategy";

/** A one-line summary of a strategy's settings, e.g. "top 2 weighted layers train, softmax head, lr 0.003 (base 0.001)". */
export function describeStrategy(config: StrategyConfig): string {
  const head = `${config.head.type} head${config.head.hiddenUnits > 0 ? ` (${config.head.hiddenUnits} hidden)` : ""}`;
  switch (config.kind) {
    case "frozen":
      return `${head}, lr ${config.learningRate}`;
    case "partial": {
      const cut = config.cut.by === "layer" ? `frozen through ${config.cut.layer}` : `top ${config.cut.k} weighted layers train`;
      const warmup = config.warmupEpochs > 0 ? `, ${config.warmupEpochs} warm-up epoch${config.warmupEpochs === 1 ? "" : "s"}` : "";
      return `${cut}, ${head}, lr ${config.learningRate} (base ${config.baseLearningRate})${warmup}`;
    }
    case "full":
      return `${head}, lr ${config.learningRate} (base ${config.baseLearningRate})`;
  }
}
