import { describe, expect, it } from "vitest";
import { mcnemarExact, pairedTTest } from "./significance";

/** Labels and two prediction vectors with the given agree/disagree cell counts (class 0/1). */
function cells(counts: { bothRight: number; bothWrong: number; broken: number; fixed: number }) {
  const labels: number[] = [];
  const a: number[] = [];
  const b: number[] = [];
  const push = (aRight: boolean, bRight: boolean, times: number) => {
    for (let i = 0; i < times; i++) {
      labels.push(1);
      a.push(aRight ? 1 : 0);
      b.push(bRight ? 1 : 0);
    }
  };
  push(true, true, counts.bothRight);
  push(false, false, counts.bothWrong);
  push(true, false, counts.broken);
  push(false, true, counts.fixed);
  return { labels, a, b };
}

describe("pairedTTest", () => {
  it("matches scipy.stats.ttest_1samp on three seeds", () => {
    // scipy: ttest_1samp([0.021, 0.008, 0.034], 0) → p 0.10752695971589402, CI (-0.011293790252754291, 0.0532937902527543)
    const r = pairedTTest([0.021, 0.008, 0.034]);
    expect(r.n).toBe(3);
    expect(r.meanDifference).toBeCloseTo(0.021, 15);
    expect(r.pValue).toBeCloseTo(0.10752695971589402, 12);
    expect(r.ci95![0]).toBeCloseTo(-0.011293790252754291, 12);
    expect(r.ci95![1]).toBeCloseTo(0.0532937902527543, 12);
  });

  it("matches scipy on five seeds with a negative mean and a tied seed", () => {
    // scipy: p 0.48586624427938135, CI (-0.04620041521543715, 0.026200415215437145)
    const r = pairedTTest([-0.05, 0.01, 0.02, -0.03, 0.0]);
    expect(r.meanDifference).toBeCloseTo(-0.01, 15);
    expect(r.pValue).toBeCloseTo(0.48586624427938135, 12);
    expect(r.ci95![0]).toBeCloseTo(-0.04620041521543715, 12);
    expect(r.ci95![1]).toBeCloseTo(0.026200415215437145, 12);
  });

  it("every seed tied: no evidence of a difference, p = 1 and the interval [0, 0]", () => {
    expect(pairedTTest([0, 0, 0])).toEqual({ n: 3, meanDifference: 0, ci95: [0, 0], pValue: 1 });
  });

  it("zero variance with a nonzero difference: the interval is the point, p = 0", () => {
    // 0.03 each time, as ratios of counts give it (with rounding noise in the last bit).
    const r = pairedTTest([0.93 - 0.9, 0.95 - 0.92, 0.91 - 0.88]);
    expect(r.pValue).toBe(0);
    expect(r.ci95![0]).toBe(r.ci95![1]);
    expect(r.ci95![0]).toBeCloseTo(0.03, 12);
  });

  it("one seed: the difference, but no interval and no p-value", () => {
    expect(pairedTTest([0.04])).toEqual({ n: 1, meanDifference: 0.04, ci95: null, pValue: null });
    expect(() => pairedTTest([])).toThrow(/no differences/);
  });
});

describe("mcnemarExact", () => {
  it("counts the discordant pairs and matches scipy.stats.binomtest", () => {
    const { labels, a, b } = cells({ bothRight: 80, bothWrong: 6, broken: 3, fixed: 11 });
    const r = mcnemarExact(labels, a, b);
    expect(r).toMatchObject({ n: 100, brokenByB: 3, fixedByB: 11 });
    // accuracy(b) - accuracy(a) = 0.91 - 0.83, exactly (11 - 3) / 100.
    expect(r.meanDifference).toBe(8 / 100);
    // scipy.stats.binomtest(3, 14, 0.5).pvalue
    expect(r.pValue).toBeCloseTo(0.057373046875, 14);
    // Agresti–Min by hand: cells + 0.5, total 102: (8/102) ± 1.96 · √(15 − 64/102) / 102
    expect(r.ci95[0]).toBeCloseTo(0.005583844637093716, 12);
    expect(r.ci95[1]).toBeCloseTo(0.1512789004609455, 12);
  });

  it("as many fixed as broken (a tie) gives p = 1", () => {
    const { labels, a, b } = cells({ bothRight: 10, bothWrong: 0, broken: 7, fixed: 7 });
    const r = mcnemarExact(labels, a, b);
    expect(r.pValue).toBe(1);
    expect(r.meanDifference).toBe(0);
    // scipy.stats.binomtest(7, 15, 0.5).pvalue = 1.0 as well (one more fixed than broken).
    const near = cells({ bothRight: 10, bothWrong: 0, broken: 7, fixed: 8 });
    expect(mcnemarExact(near.labels, near.a, near.b).pValue).toBe(1);
  });

  it("no disagreements: p = 1, difference 0, and an interval that still has width", () => {
    const { labels, a, b } = cells({ bothRight: 45, bothWrong: 5, broken: 0, fixed: 0 });
    const r = mcnemarExact(labels, a, b);
    expect(r.pValue).toBe(1);
    expect(r.meanDifference).toBe(0);
    // ± 1.96 · √1 / 52
    expect(r.ci95[0]).toBeCloseTo(-0.037691615087308734, 12);
    expect(r.ci95[1]).toBeCloseTo(0.037691615087308734, 12);
  });

  it("one image", () => {
    const r = mcnemarExact([2], [2], [1]);
    expect(r).toMatchObject({ n: 1, brokenByB: 1, fixedByB: 0, meanDifference: -1, pValue: 1 });
    expect(r.ci95[0]).toBeGreaterThanOrEqual(-1);
  });

  it("refuses predictions of another length", () => {
    expect(() => mcnemarExact([1, 2], [1], [1, 2])).toThrow(/2 labels but 1 and 2/);
  });
});
