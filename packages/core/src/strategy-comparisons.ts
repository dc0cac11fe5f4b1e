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
  /** In an experiment with a label-budget ladder: the budget both runs trained with. */
  trainPerClass?: number;
  /** In a cut sweep: where the partial side is cut (as the runs table names it). */
  cut?: string;
}

export interface ComparedRun {
  strategy: StrategyKind;
  seed: number;
  /** Null unless the run succeeded. */
  testAccuracy: number | null;
  runId: string;
  /** Set only in a label-budget ladder: runs are compared within their budget. */
  trainPerClass?: number | null;
  /** Set only on partial runs of a cut sweep: each cut is its own arm. */
  cut?: string | null;
}

export interface PairedPredictions {
  labels: ArrayLike<number>;
  predicted: ArrayLike<number>;
}

/**
 * Every pairwise comparison of an experiment's strategies. `predictionsOf(runId)` gives a run's
 * stored per-image predictions (undefined when it has none); it is only asked for in the one-seed case.
 *
 * In a ladder each budget is compared on its own (a budget changes both sides), and in a cut sweep
 * each partial cut is its own arm against frozen and full: pooling them would pair unrelated runs
 * of one seed. Without either, one entry per pair of strategies.
 */
export async function compareStrategies(
  runs: readonly ComparedRun[],
  predictionsOf: (runId: string) => Promise<PairedPredictions | undefined>,
): Promise<StrategyComparison[]> {
  const budgets = [...new Set(runs.map((r) => r.trainPerClass ?? null))].sort(
    (x, y) => (x ?? 0) - (y ?? 0),
  );
  const result: StrategyComparison[] = [];
  for (const budget of budgets) {
    // Arms (a strategy, and for partial its cut) with at least one succeeded run, in strategy order.
    const arms = new Map<string, ComparedRun[]>();
    for (const run of runs.filter((r) => (r.trainPerClass ?? null) === budget))
      arms.set(armKey(run), [...(arms.get(armKey(run)) ?? []), run]);
    const present = STRATEGY_KINDS.flatMap((kind) =>
      [...arms.values()].filter(
        (arm) => arm[0]!.strategy === kind && arm.some((r) => r.testAccuracy !== null),
      ),
    );
    for (const [i, runsA] of present.entries()) {
      for (const runsB of present.slice(i + 1)) {
        if (runsA[0]!.strategy === runsB[0]!.strategy) continue; // two cuts of partial
        const cut = runsA[0]!.cut ?? runsB[0]!.cut ?? undefined;
        const context = {
          ...(budget !== null ? { trainPerClass: budget } : {}),
          ...(cut ? { cut } : {}),
        };
        const compared = await comparePair(runsA, runsB, predictionsOf);
        result.push({ ...compared, ...context });
      }
    }
  }
  return result;
}

function armKey(run: ComparedRun): string {
  return `${run.strategy}@${run.cut ?? ""}`;
}

async function comparePair(
  runsOfA: readonly ComparedRun[],
  runsOfB: readonly ComparedRun[],
  predictionsOf: (runId: string) => Promise<PairedPredictions | undefined>,
): Promise<StrategyComparison> {
  const succeeded = (arm: readonly ComparedRun[]) =>
    new Map(arm.filter((r) => r.testAccuracy !== null).map((r) => [r.seed, r] as const));
  const a = runsOfA[0]!.strategy;
  const b = runsOfB[0]!.strategy;
  const runsA = succeeded(runsOfA);
  const runsB = succeeded(runsOfB);
  const seeds = [...runsA.keys()].filter((s) => runsB.has(s)).sort((x, y) => x - y);
  const base = { a, b, metric: "testAccuracy" as const, seeds };
  if (seeds.length >= 2) {
    const t = pairedTTest(
      seeds.map((s) => runsB.get(s)!.testAccuracy! - runsA.get(s)!.testAccuracy!),
    );
    return { ...base, ...t, method: "paired-t" };
  }
  if (seeds.length === 0) {
    return {
      ...base,
      n: 0,
      meanDifference: null,
      ci95: null,
      pValue: null,
      method: "paired-t",
      note: "no seed where both succeeded",
    };
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
  if (!pa || !pb) return untestable("one seed, and per-image predictions are missing for a run");
  const sameImages =
    pa.labels.length === pb.labels.length &&
    Array.prototype.every.call(pa.labels, (l: number, i: number) => l === pb.labels[i]);
  if (!sameImages || pa.labels.length === 0) {
    return untestable("the two runs' stored predictions are not over the same test images");
  }
  const m = mcnemarExact(pa.labels, pa.predicted, pb.predicted);
  return {
    ...base,
    n: m.n,
    meanDifference: m.meanDifference,
    ci95: m.ci95,
    pValue: m.pValue,
    method: "mcnemar",
  };
}
