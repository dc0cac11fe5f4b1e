import { describe, expect, it } from "vitest";
import { mcnemarExact, pairedTTest } from "./significance";
import { compareStrategies, type ComparedRun } from "./strategy-comparisons";

const run = (
  strategy: ComparedRun["strategy"],
  seed: number,
  testAccuracy: number | null,
): ComparedRun => ({ strategy, seed, testAccuracy, runId: `${strategy}-${seed}` });

const none = async () => undefined;

describe("compareStrategies", () => {
  it("pairs by seed with ≥ 2 seeds: one entry per pair, a before b in frozen, partial, full", async () => {
    const runs = [
      run("full", 1, 0.95),
      run("frozen", 1, 0.9),
      run("partial", 1, 0.93),
      run("frozen", 2, 0.88),
      run("partial", 2, 0.9),
      run("full", 2, 0.96),
      run("frozen", 3, 0.91),
      run("partial", 3, 0.95),
      run("full", 3, null), // failed: seed 3 drops out of the pairs with full
    ];
    const result = await compareStrategies(runs, none);
    expect(result.map((c) => `${c.a}/${c.b}`)).toEqual([
      "frozen/partial",
      "frozen/full",
      "partial/full",
    ]);
    const [fp, ff] = result;
    expect(fp).toMatchObject({ method: "paired-t", n: 3, seeds: [1, 2, 3] });
    const expected = pairedTTest([0.93 - 0.9, 0.9 - 0.88, 0.95 - 0.91]);
    expect(fp!.meanDifference).toBe(expected.meanDifference);
    expect(fp!.ci95).toEqual(expected.ci95);
    expect(fp!.pValue).toBe(expected.pValue);
    expect(ff).toMatchObject({ method: "paired-t", n: 2, seeds: [1, 2] });
  });

  it("one seed: McNemar over the stored predictions", async () => {
    const labels = [0, 1, 1, 0, 1];
    const predictions: Record<string, { labels: number[]; predicted: number[] }> = {
      "frozen-7": { labels, predicted: [0, 0, 1, 1, 1] },
      "full-7": { labels, predicted: [0, 1, 1, 0, 0] },
    };
    const [c] = await compareStrategies(
      [run("frozen", 7, 0.6), run("full", 7, 0.8)],
      async (id) => predictions[id],
    );
    const m = mcnemarExact(
      labels,
      predictions["frozen-7"]!.predicted,
      predictions["full-7"]!.predicted,
    );
    expect(c).toEqual({
      a: "frozen",
      b: "full",
      metric: "testAccuracy",
      seeds: [7],
      n: 5,
      meanDifference: m.meanDifference,
      ci95: m.ci95,
      pValue: m.pValue,
      method: "mcnemar",
    });
    expect(c!.meanDifference).toBeCloseTo(0.2, 15);
  });

  it("says why a pair cannot be tested", async () => {
    const [missing] = await compareStrategies(
      [run("frozen", 1, 0.5), run("partial", 1, 0.6)],
      none,
    );
    expect(missing).toMatchObject({ method: "mcnemar", pValue: null, ci95: null });
    expect(missing!.note).toMatch(/predictions are missing/);
    const [disjoint] = await compareStrategies(
      [run("frozen", 1, 0.5), run("frozen", 2, 0.5), run("partial", 3, 0.6)],
      none,
    );
    expect(disjoint).toMatchObject({
      n: 0,
      meanDifference: null,
      note: "no seed where both succeeded",
    });
    expect(await compareStrategies([run("frozen", 1, 0.5), run("full", 1, null)], none)).toEqual(
      [],
    );
  });
});

describe("compareStrategies over a ladder and a cut sweep", () => {
  const armRun = (
    strategy: ComparedRun["strategy"],
    seed: number,
    testAccuracy: number,
    trainPerClass: number,
    cut: string | null = null,
  ): ComparedRun => ({
    strategy,
    seed,
    testAccuracy,
    trainPerClass,
    cut,
    runId: `${strategy}-${cut ?? ""}-${trainPerClass}-${seed}`,
  });

  it("compares within each budget, each partial cut as its own arm, never two cuts of partial", async () => {
    const runs: ComparedRun[] = [];
    for (const budget of [10, 30]) {
      for (const seed of [1, 2, 3]) {
        runs.push(armRun("frozen", seed, 0.6 + budget / 1000 + seed / 100, budget));
        runs.push(armRun("partial", seed, 0.7 + budget / 1000 + seed / 90, budget, "cut at conv2"));
        runs.push(armRun("partial", seed, 0.75 + budget / 1000 + seed / 80, budget, "cut at fc1"));
        runs.push(armRun("full", seed, 0.8 + budget / 1000 + seed / 70, budget));
      }
    }
    const result = await compareStrategies(runs, none);
    expect(result.map((c) => `${c.trainPerClass} ${c.a}/${c.b} ${c.cut ?? ""}`.trim())).toEqual([
      "10 frozen/partial cut at conv2",
      "10 frozen/partial cut at fc1",
      "10 frozen/full",
      "10 partial/full cut at conv2",
      "10 partial/full cut at fc1",
      "30 frozen/partial cut at conv2",
      "30 frozen/partial cut at fc1",
      "30 frozen/full",
      "30 partial/full cut at conv2",
      "30 partial/full cut at fc1",
    ]);
    // Paired by seed within the budget and the arm, not pooled across them.
    const expected = pairedTTest(
      [1, 2, 3].map((seed) => 0.75 + 30 / 1000 + seed / 80 - (0.6 + 30 / 1000 + seed / 100)),
    );
    const fc1At30 = result.find(
      (c) => c.trainPerClass === 30 && c.cut === "cut at fc1" && c.a === "frozen",
    );
    expect(fc1At30).toMatchObject({ method: "paired-t", n: 3, seeds: [1, 2, 3] });
    expect(fc1At30!.meanDifference).toBeCloseTo(expected.meanDifference, 12);
    expect(fc1At30!.pValue).toBeCloseTo(expected.pValue!, 12);
  });

  it("leaves entries unqualified when the experiment has neither", async () => {
    const result = await compareStrategies(
      [run("frozen", 1, 0.8), run("full", 1, 0.9), run("frozen", 2, 0.7), run("full", 2, 0.85)],
      none,
    );
    expect(result).toHaveLength(1);
    expect(result[0]).not.toHaveProperty("trainPerClass");
    expect(result[0]).not.toHaveProperty("cut");
  });
});
