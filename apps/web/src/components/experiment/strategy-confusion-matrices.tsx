import type { RunSummaryDto } from "@tlab/core/dto";
import type { FinalMetrics } from "@tlab/core/run";
import { STRATEGY_KINDS, STRATEGY_LABELS } from "@tlab/core/strategy";
import { sumMatrices } from "@/lib/strategy-summary";
import { ConfusionMatrix } from "../confusion-matrix";

/** One matrix per strategy; with several seeds their counts are summed. */
export function StrategyConfusionMatrices({ runs, finalMetrics }: { runs: RunSummaryDto[]; finalMetrics: ReadonlyMap<string, FinalMetrics> }) {
  const matrices = STRATEGY_KINDS.flatMap((strategy) => {
    const metrics = runs.filter((r) => r.strategy === strategy).flatMap((r) => finalMetrics.get(r.id) ?? []);
    const first = metrics[0];
    const matrix = sumMatrices(metrics.map((m) => m.confusionMatrix));
    if (!first || !matrix) return [];
    return [{ strategy, matrix, classNames: first.classNames, caption: STRATEGY_LABELS[strategy] }];
  });
  if (matrices.length === 0) return <p className="muted">Confusion matrices appear here when runs finish.</p>;
  return (
    <div className="matrix-grid">
      {matrices.map((m) => (
        <ConfusionMatrix key={m.strategy} matrix={m.matrix} classNames={m.classNames} caption={m.caption} />
      ))}
    </div>
  );
}
