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
