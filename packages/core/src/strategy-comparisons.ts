import { mcnemarExact, pairedTTest } from "./significance";
import { STRATEGY_KINDS, type StrategyKind } from "./strategy";

/**
 * One pair of strategies compared on test accuracy: `meanDifference` is b − a (a the earlier in the
 * order frozen, partial, full), in accuracy units (0.021 = 2.1 points).
 * - paired-t: ≥ 2 seeds where both succeeded, paired by seed (seed i of every strategy shares the
 *   data split and the initialisation); `n` is the number of seeds.
 * - mcnemar: exactly one such seed, over the per-image predictions; `n` is the number of test images.
 * `ci95` and `pValue` are null, with a `note` saying why, when the pair cannot be tested (no seed
 * where both succeeded, or the one seed's predictions are missing).
 */
export interface StrategyComparison {
  a: StrategyKind;
  b: StrategyKind;
  metric: "testAccuracy";
  n: number;
  meanDifference: number | null;
  ci95: [number, number] | null;
  pValue: number | null;
  method: "paired-t" | "mcnemar";
  /** Seeds the pair was compared on. */
  seeds: number[];
  note?: string;
}

export interface ComparedRun {
  strategy: StrategyKind;
  seed: number;
  /** Null unless the run succeeded. */
  testAccuracy: number | null;
  runId: string;
}

export interface PairedPredictions {
  labels: ArrayLike<number>;
  predicted: ArrayLike<number>;
}

/** Pairs of strategies present (with a succeeded run), `a` before `b` in STRATEGY_KINDS order. */
export function strategyPairs(runs: readonly ComparedRun[]): [StrategyKind, StrategyKind][] {
  const present = STRATEGY_KINDS.filter((k) =>
    runs.some((r) => r.strategy === k && r.testAccuracy !== null),
  );
  return present.flatMap((a, i) =>
    present.slice(i + 1).map((b) => [a, b] as [StrategyKind, StrategyKind]),
  );
}

/**
 * Every pairwise comparison of an experiment's strategies. `predictionsOf(runId)` gives a run's
 * stored per-image predictions (undefined when it has none); it is only asked for in the one-seed case.
 */
export async function compareStrategies(
  runs: readonly ComparedRun[],
  predictionsOf: (runId: string) => Promise<PairedPredictions | undefined>,
): Promise<StrategyComparison[]> {
  const succeeded = (kind: StrategyKind) =>
    new Map(
      runs
        .filter((r) => r.strategy === kind && r.testAccuracy !== null)
        .map((r) => [r.seed, r] as const),
    );
  const result: StrategyComparison[] = [];
  for (const [a, b] of strategyPairs(runs)) {
    const runsA = succeeded(a);
    const runsB = succeeded(b);
    const seeds = [...runsA.keys()].filter((s) => runsB.has(s)).sort((x, y) => x - y);
    const base = { a, b, metric: "testAccuracy" as const, seeds };
    if (seeds.length >= 2) {
      const t = pairedTTest(
        seeds.map((s) => runsB.get(s)!.testAccuracy! - runsA.get(s)!.testAccuracy!),
      );
      result.push({ ...base, ...t, method: "paired-t" });
      continue;
    }
    if (seeds.length === 0) {
      result.push({
        ...base,
        n: 0,
        meanDifference: null,
        ci95: null,
        pValue: null,
        method: "paired-t",
        note: "no seed where both succeeded",
      });
      continue;
    }
    const seed = seeds[0]!;
    const [pa, pb] = await Promise.all([
      predictionsOf(runsA.get(seed)!.runId),
      predictionsOf(runsB.get(seed)!.runId),
    ]);
    const untestable = (note: string): StrategyComparison => ({
      ...base,
      n: 1,
      meanDifference: runsB.get(seed)!.testAccuracy! - runsA.get(seed)!.testAccuracy!,
      ci95: null,
      pValue: null,
      method: "mcnemar",
      note,
    });
    if (!pa || !pb) {
      result.push(untestable("one seed, and per-image predictions are missing for a run"));
      continue;
    }
    const sameImages =
      pa.labels.length === pb.labels.length &&
      Array.prototype.every.call(pa.labels, (l: number, i: number) => l === pb.labels[i]);
    if (!sameImages || pa.labels.length === 0) {
      result.push(untestable("the two runs' stored predictions are not over the same test images"));
      continue;
    }
    const m = mcnemarExact(pa.labels, pa.predicted, pb.predicted);
    result.push({
      ...base,
      n: m.n,
      meanDifference: m.meanDifference,
      ci95: m.ci95,
      pValue: m.pValue,
      method: "mcnemar",
    });
  }
  return result;
}
