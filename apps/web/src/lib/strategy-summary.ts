import type { RunSummaryDto } from "@tlab/core/dto";
import { STRATEGY_KINDS, type StrategyKind } from "@tlab/core/strategy";
import { mean, sampleStd } from "./stats";

export interface StrategySummary {
  strategy: StrategyKind;
  runs: number;
  succeeded: number;
  /** Over the succeeded runs (one per seed); null until one has finished. */
  accuracyMean: number | null;
  /** Null with fewer than two succeeded seeds. */
  accuracyStd: number | null;
  trainableParams: number | null;
  totalParams: number | null;
  wallTimeMeanMs: number | null;
  /** Best epoch of each succeeded run, by seed. */
  bestEpochs: number[];
  /** Highest mean test accuracy, once at least two strategies have a result (ties are all marked). */
  isBest: boolean;
}

/**
 * One row per strategy of an experiment, aggregating its seeds. Only succeeded runs count:
 * a failed seed is visible in the runs table, not silently averaged in.
 */
export function summarizeStrategies(
  runs: readonly RunSummaryDto[],
  bestEpochByRun: ReadonlyMap<string, number>,
): StrategySummary[] {
  const rows = STRATEGY_KINDS.flatMap((strategy): StrategySummary[] => {
    const mine = runs.filter((r) => r.strategy === strategy);
    if (mine.length === 0) return [];
    const done = mine.filter((r) => r.status === "SUCCEEDED" && r.testAccuracy !== null).sort((a, b) => a.seed - b.seed);
    const accuracies = done.map((r) => r.testAccuracy ?? 0);
    const wallTimes = done.flatMap((r) => (r.wallTimeMs === null ? [] : [r.wallTimeMs]));
    return [
      {
        strategy,
        runs: mine.length,
        succeeded: done.length,
        accuracyMean: mean(accuracies),
        accuracyStd: sampleStd(accuracies),
        trainableParams: done.find((r) => r.trainableParams !== null)?.trainableParams ?? null,
        totalParams: done.find((r) => r.totalParams !== null)?.totalParams ?? null,
        wallTimeMeanMs: mean(wallTimes),
        bestEpochs: done.flatMap((r) => {
          const epoch = bestEpochByRun.get(r.id);
          return epoch === undefined ? [] : [epoch];
        }),
        isBest: false,
      },
    ];
  });
  // "Best" compares strategies: with a single result there is nothing to compare yet.
  const scored = rows.filter((r) => r.accuracyMean !== null);
  if (scored.length < 2) return rows;
  const best = Math.max(...scored.map((r) => r.accuracyMean!));
  return rows.map((r) => ({ ...r, isBest: r.accuracyMean === best }));
}

/** Adds confusion matrices of equal shape (one per seed); null when there are none or shapes differ. */
export function sumMatrices(matrices: readonly (readonly (readonly number[])[])[]): number[][] | null {
  const [first, ...rest] = matrices;
  if (!first) return null;
  const sum = first.map((row) => [...row]);
  for (const matrix of rest) {
    if (matrix.length !== sum.length || matrix.some((row, i) => row.length !== sum[i]!.length)) return null;
    matrix.forEach((row, i) => row.forEach((v, j) => (sum[i]![j]! += v)));
  }
  return sum;
}

/** The step with the highest value (the first one on ties), or null for an empty series. */
export function argmaxStep(points: readonly { step: number; value: number }[]): number | null {
  let best: { step: number; value: number } | null = null;
  for (const p of points) if (best === null || p.value > best.value) best = p;
  return best?.step ?? null;
}
