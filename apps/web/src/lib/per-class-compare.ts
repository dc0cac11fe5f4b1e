import { perClassMetrics, type PerClassMetrics } from "@tlab/core/classification-metrics";
import type { StrategyKind } from "@tlab/core/strategy";

export const PER_CLASS_METRICS = ["precision", "recall", "f1"] as const;
export type PerClassMetric = (typeof PER_CLASS_METRICS)[number];

export interface PerClassRow {
  className: string;
  /** Per strategy, in the order given. */
  values: { strategy: StrategyKind; metrics: PerClassMetrics }[];
  /** Strategies holding the row's highest value of each metric (ties all marked; none with one strategy). */
  best: Record<PerClassMetric, Set<StrategyKind>>;
}

/**
 * Precision, recall and F1 of each class for each strategy, from its confusion matrix (summed over
 * its seeds: pooled counts, so every test image weighs the same), with the best of each metric in
 * each row. Strategies whose classes differ from the first one's are left out.
 */
export function perClassComparison(
  entries: readonly { strategy: StrategyKind; matrix: number[][]; classNames: string[] }[],
): PerClassRow[] {
  const first = entries[0];
  if (!first) return [];
  const same = entries.filter(
    (e) =>
      e.classNames.length === first.classNames.length &&
      e.classNames.every((c, i) => c === first.classNames[i]),
  );
  const metrics = same.map((e) => ({
    strategy: e.strategy,
    perClass: perClassMetrics(e.matrix, e.classNames),
  }));
  return first.classNames.map((className, k) => {
    const values = metrics.map((m) => ({ strategy: m.strategy, metrics: m.perClass[k]! }));
    const best = Object.fromEntries(
      PER_CLASS_METRICS.map((metric) => {
        if (values.length < 2) return [metric, new Set<StrategyKind>()];
        const top = Math.max(...values.map((v) => v.metrics[metric]));
        // Equal up to rounding (ratios of counts) counts as a tie.
        return [
          metric,
          new Set(values.filter((v) => top - v.metrics[metric] < 1e-12).map((v) => v.strategy)),
        ];
      }),
    ) as Record<PerClassMetric, Set<StrategyKind>>;
    return { className, values, best };
  });
}
