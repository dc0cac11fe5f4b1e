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
    const done = mine
      .filter((r) => r.status === "SUCCEEDED" && r.testAccuracy !== null)
      .sort((a, b) => a.seed - b.seed);
    const pick = (
      f: (r: RunSummaryDto, m: FinalMetrics | undefined) => number | null | undefined,
    ): number[] =>
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

export type SummaryColumn =
  | "accuracy"
  | "bestEpoch"
  | "wallTimeMs"
  | "imagesPerSec"
  | "trainableParams"
  | "peakMemoryBytes";

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
export function bestPerColumn(
  rows: readonly StrategySummary[],
): Record<SummaryColumn, Set<StrategyKind>> {
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
    const target =
      BETTER[column] === "max"
        ? Math.max(...scored.map((s) => s.v))
        : Math.min(...scored.map((s) => s.v));
    out[column] = new Set(scored.filter((s) => s.v === target).map((s) => s.strategy));
  }
  return out;
}

/** Adds confusion matrices of equal shape (one per seed); null when there are none or shapes differ. */
export function sumMatrices(
  matrices: readonly (readonly (readonly number[])[])[],
): number[][] | null {
  const [first, ...rest] = matrices;
  if (!first) return null;
  const sum = first.map((row) => [...row]);
  for (const matrix of rest) {
    if (matrix.length !== sum.length || matrix.some((row, i) => row.length !== sum[i]!.length))
      return null;
    matrix.forEach((row, i) => {
      row.forEach((v, j) => {
        sum[i]![j]! += v;
      });
    });
  }
  return sum;
}

/** The step with the highest value (the first one on ties), or null for an empty series. */
export function argmaxStep(points: readonly { step: number; value: number }[]): number | null {
  let best: { step: number; value: number } | null = null;
  for (const p of points) if (best === null || p.value > best.value) best = p;
  return best?.step ?? null;
}

/**
 * Accuracy differences below this many points (half the last digit the verdict shows, 88.9%) read
 * as a tie: a lead that prints as "0.0 points" is no lead.
 */
export const TIE_POINTS = 0.05;

/** Below this many test images per run, one image moves accuracy by over 3 points: the verdict says so. */
export const SMALL_TEST_SET = 30;

export type AccuracyRanking =
  /** One strategy ahead of the next by at least TIE_POINTS. */
  | { kind: "lead"; winner: StrategySummary; runnerUp: StrategySummary; marginPoints: number }
  /** Two or more within TIE_POINTS of the top; `next` is the best of the rest, if any. */
  | {
      kind: "tie";
      tied: StrategySummary[];
      next: StrategySummary | null;
      marginPoints: number | null;
    };

/** Who is most accurate by mean test accuracy; null until two strategies have a result. */
export function rankByAccuracy(summaries: readonly StrategySummary[]): AccuracyRanking | null {
  const scored = summaries
    .filter((s) => s.accuracy.mean !== null)
    .sort((a, b) => b.accuracy.mean! - a.accuracy.mean!);
  const [top, second] = scored;
  if (!top || !second) return null;
  const pointsBelowTop = (s: StrategySummary) => (top.accuracy.mean! - s.accuracy.mean!) * 100;
  const tied = scored.filter((s) => pointsBelowTop(s) < TIE_POINTS);
  if (tied.length === 1)
    return { kind: "lead", winner: top, runnerUp: second, marginPoints: pointsBelowTop(second) };
  const next = scored[tied.length] ?? null;
  return { kind: "tie", tied, next, marginPoints: next ? pointsBelowTop(next) : null };
}

/** Test images per run (all of an experiment's runs share one test set): the sum of a confusion matrix. */
export function testSetSize(finals: Iterable<FinalMetrics>): number | null {
  for (const m of finals)
    return m.confusionMatrix.reduce((n, row) => n + row.reduce((a, b) => a + b, 0), 0);
  return null;
}

/** "A", "A and B", "A, B and C". */
export function listWords(words: readonly string[]): string {
  return words.length <= 1
    ? (words[0] ?? "")
    : `${words.slice(0, -1).join(", ")} and ${words.at(-1)}`;
}
