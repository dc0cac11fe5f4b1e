import { StrategyConfig } from "@tlab/core/strategy";

/** Shown in place of a value its field's validation refuses. */
export const INVALID_VALUE = "—";

/**
 * The paths ("learningRate", "head.hiddenUnits", "cut.k") of a strategy's settings that its schema
 * refuses, so a live summary of a half-edited form can leave them out instead of echoing them.
 */
export function invalidStrategyPaths(config: StrategyConfig): ReadonlySet<string> {
  const result = StrategyConfig.safeParse(config);
  return new Set(result.success ? [] : result.error.issues.map((issue) => issue.path.join(".")));
}

/**
 * A one-line summary of a strategy's settings, e.g. "top 2 weighted layers train, softmax head, lr 0.003 (base 0.001)".
 * Values at `invalid` paths read "—".
 */
export function describeStrategy(
  config: StrategyConfig,
  invalid: ReadonlySet<string> = new Set(),
): string {
  const show = (path: string, value: string | number) =>
    invalid.has(path) ? INVALID_VALUE : String(value);
  const hidden = invalid.has("head.hiddenUnits")
    ? ` (${INVALID_VALUE} hidden)`
    : config.head.hiddenUnits > 0
      ? ` (${config.head.hiddenUnits} hidden)`
      : "";
  const head = `${config.head.type} head${hidden}`;
  const lr = `lr ${show("learningRate", config.learningRate)}`;
  switch (config.kind) {
    case "frozen":
      return `${head}, ${lr}`;
    case "partial": {
      const cut =
        config.cut.by === "layer"
          ? `frozen through ${show("cut.layer", config.cut.layer)}`
          : `top ${show("cut.k", config.cut.k)} weighted layers train`;
      const warmup = invalid.has("warmupEpochs")
        ? `, ${INVALID_VALUE} warm-up epochs`
        : config.warmupEpochs > 0
          ? `, ${config.warmupEpochs} warm-up epoch${config.warmupEpochs === 1 ? "" : "s"}`
          : "";
      return `${cut}, ${head}, ${lr} (base ${show("baseLearningRate", config.baseLearningRate)})${warmup}`;
    }
    case "full":
      return `${head}, ${lr} (base ${show("baseLearningRate", config.baseLearningRate)})`;
  }
}
