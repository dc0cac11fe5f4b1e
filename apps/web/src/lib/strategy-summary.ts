import type { RunSummaryDto } from "@tlab/core/dto";
import type { FinalMetrics } from "@tlab/core/run";
import { STRATEGY_KINDS, type StrategyKind } from "@tlab/core/strategy";
import { mean, sampleStd } from "./stats";

/** Mean and sample std over the succeeded seeds that reported a value. */
export interface SeedStat {
  mean: number | null;
  /** Null with fewer than two values. */
  std: number | null;
  n: number;
}

export interface StrategySummary {
  strategy: StrategyKind;
  runs: number;
  succeeded: number;
  accuracy: SeedStat;
  bestEpoch: SeedStat;
  /** Best epoch of each succeeded run, by seed. */
  bestEpochs: number[];
  wallTimeMs: SeedStat;
  imagesPerSec: SeedStat;
  peakMemoryBytes: SeedStat;
  trainableParams: number | null;
  totalParams: number | null;
  /** Highest mean test accuracy, once at least two strategies have a result (ties are all marked). */
  isBest: boolean;
}

export function seedStat(values: readonly number[]): SeedStat {
  return { mean: mean(values), std: sampleStd(values), n: values.length };
}

/**
 * One row per strategy of an experiment, aggregating its seeds. Only succeeded runs count:
 * a failed seed is visible in the runs table, not silently averaged in. Final metrics supply
 * throughput, memory and the best epoch; `bestEpochFallback` (from the validation curve) stands
 * in for runs whose final metrics are not loaded.
 */
export function summarizeStrategies(
  runs: readonly RunSummaryDto[],
  finals: ReadonlyMap<string, FinalMetrics>,
  bestEpochFallback: ReadonlyMap<string, number> = new Map(),
): StrategySummary[] {
  const rows = STRATEGY_KINDS.flatMap((strategy): StrategySummary[] => {
    const mine = runs.filter((r) => r.strategy === strategy);
    if (mine.length === 0) return [];
    const done = mine.filter((r) => r.status === "SUCCEEDED" && r.testAccuracy !== null).sort((a, b) => a.seed - b.seed);
    const pick = (f: (r: RunSummaryDto, m: FinalMetrics | undefined) => number | null | undefined): number[] =>
      done.flatMap((r) => {
        const v = f(r, finals.get(r.id));
        return v === null || v === undefined || !Number.isFinite(v) ? [] : [v];
      });
    const bestEpochs = pick((r, m) => m?.bestEpoch ?? bestEpochFallback.get(r.id));
    return [
      {
        strategy,
        runs: mine.length,
        succeeded: done.length,
        accuracy: seedStat(pick((r) => r.testAccuracy)),
        bestEpoch: seedStat(bestEpochs),
        bestEpochs,
        wallTimeMs: seedStat(pick((r, m) => m?.wallTimeMs ?? r.wallTimeMs)),
        imagesPerSec: seedStat(pick((_r, m) => m?.trainImagesPerSec)),
        peakMemoryBytes: seedStat(pick((_r, m) => m?.peakMemoryBytes)),
        trainableParams: done.find((r) => r.trainableParams !== null)?.trainableParams ?? null,
        totalParams: done.find((r) => r.totalParams !== null)?.totalParams ?? null,
        isBest: false,
      },
    ];
  });
  const best = bestPerColumn(rows);
  return rows.map((r) => ({ ...r, isBest: best.accuracy.has(r.strategy) }));
}

export type SummaryColumn = "accuracy" | "bestEpoch" | "wallTimeMs" | "imagesPerSec" | "trainableParams" | "peakMemoryBytes";

/** Which way is better per column: accuracy and throughput up, everything else (time, size, epochs to best) down. */
export const BETTER: Record<SummaryColumn, "max" | "min"> = {
  accuracy: "max",
  bestEpoch: "min",
  wallTimeMs: "min",
  imagesPerSec: "max",
  trainableParams: "min",
  peakMemoryBytes: "min",
};

function columnValue(row: StrategySummary, column: SummaryColumn): number | null {
  return column === "trainableParams" ? row.trainableParams : row[column].mean;
}

/**
 * The strategies holding the best value of each column. A column marks nothing until at least two
 * strategies have a value: with one there is nothing to compare yet. Ties are all marked.
 */
export function bestPerColumn(rows: readonly StrategySummary[]): Record<SummaryColumn, Set<StrategyKind>> {
  const out = {} as Record<SummaryColumn, Set<StrategyKind>>;
  for (const column of Object.keys(BETTER) as SummaryColumn[]) {
    const scored = rows.flatMap((r) => {
      const v = columnValue(r, column);
      return v === null ? [] : [{ strategy: r.strategy, v }];
    });
    if (scored.length < 2) {
      out[column] = new Set();
      continue;
    }
    const target = BETTER[column] === "max" ? Math.max(...scored.map((s) => s.v)) : Math.min(...scored.map((s) => s.v));
    out[column] = new Set(scored.filter((s) => s.v === target).map((s) => s.strategy));
  }
  return out;
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
