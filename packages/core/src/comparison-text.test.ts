import { describe, expect, it } from "vitest";
import { describeComparison, formatPValue, multipleComparisonsNote } from "./comparison-text";
import type { StrategyComparison } from "./strategy-comparisons";

const c = (over: Partial<StrategyComparison>): StrategyComparison => ({
  a: "frozen",
  b: "partial",
  metric: "testAccuracy",
  n: 3,
  meanDifference: 0.021,
  ci95: [0.008, 0.034],
  pValue: 0.0104,
  method: "paired-t",
  seeds: [1, 2, 3],
  ...over,
});

describe("describeComparison", () => {
  it("names the budget and the cut of a ladder's or a sweep's pair first", () => {
    expect(describeComparison(c({ trainPerClass: 30, cut: "cut at conv2" }))).toBe(
      "30 labels a class, partial cut at conv2: Partial fine-tune beats the frozen extractor by 2.1 points, 95% CI 0.8 to 3.4, p = 0.01, 3 seeds",
    );
  });

  it("names the winner with the interval on its side", () => {
    expect(describeComparison(c({}))).toBe(
      "Partial fine-tune beats the frozen extractor by 2.1 points, 95% CI 0.8 to 3.4, p = 0.01, 3 seeds",
    );
    expect(describeComparison(c({ meanDifference: -0.021, ci95: [-0.034, -0.008] }))).toBe(
      "The frozen extractor beats partial fine-tune by 2.1 points, 95% CI 0.8 to 3.4, p = 0.01, 3 seeds",
    );
  });

  it("says no detectable difference when the interval spans 0", () => {
    expect(
      describeComparison(
        c({ b: "full", meanDifference: 0.004, ci95: [-0.012, 0.02], pValue: 0.52 }),
      ),
    ).toBe(
      "No detectable difference between full fine-tune and the frozen extractor: 0.4 points, 95% CI -1.2 to 2.0, p = 0.52, 3 seeds",
    );
  });

  it("speaks of McNemar with one seed, and of untested pairs", () => {
    expect(
      describeComparison(c({ method: "mcnemar", n: 500, pValue: 0.0002, seeds: [1] })),
    ).toMatch(/p < 0.001, 1 seed, 500 test images \(McNemar\)$/);
    expect(
      describeComparison(c({ meanDifference: null, ci95: null, pValue: null, note: "why" })),
    ).toBe("Partial fine-tune vs the frozen extractor: not tested (why)");
  });

  it("formats p-values", () => {
    expect(formatPValue(0.0049)).toBe("p = 0.005");
    expect(formatPValue(1)).toBe("p = 1.00");
  });

  it("notes several pairs compared at once", () => {
    expect(multipleComparisonsNote(1)).toBeNull();
    expect(multipleComparisonsNote(3)).toBe(
      "3 pairs are compared at once: with each at p < 0.05, the chance that at least one looks different by luck alone is up to 14%; to claim all of them together, require p < 0.017 (Bonferroni).",
    );
  });
});
