import type { RunSummaryDto } from "@tlab/core/dto";
import type { StrategyKind } from "@tlab/core/strategy";
import { compareStrategies, type StrategyComparison } from "@tlab/core/strategy-comparisons";
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { summarizeStrategies } from "@/lib/strategy-summary";
import { runSummaryFixture } from "@/lib/test-fixtures";
import { Verdict } from "./verdict";

function run(
  strategy: StrategyKind,
  seed: number,
  testAccuracy: number,
  wallTimeMs: number,
): RunSummaryDto {
  return runSummaryFixture({
    id: `${strategy}-${seed}`,
    strategy,
    seed,
    status: "SUCCEEDED",
    attempt: 1,
    progress: 1,
    testAccuracy,
    trainableParams: 1000,
    totalParams: 5000,
    wallTimeMs,
  });
}

const verdict = (
  runs: RunSummaryDto[],
  testImages: number | null = null,
  comparisons: StrategyComparison[] = [],
) =>
  renderToStaticMarkup(
    createElement(Verdict, {
      summaries: summarizeStrategies(runs, new Map()),
      live: false,
      testImages,
      comparisons,
    }),
  )
    .replace(/<[^>]+>/g, " ")
    .replace(/&lt;/g, "<")
    .replace(/\s+/g, " ")
    .replace(/ ([.,)])/g, "$1");

describe("Verdict", () => {
  it("reads a tie as a tie, naming the tied strategies, instead of a winner '0.0 points above'", () => {
    const text = verdict([run("frozen", 1, 8 / 9, 1000), run("partial", 1, 8 / 9, 4000)]);
    expect(text).toContain(
      "Frozen feature extractor and Partial fine-tune tie for most accurate at 88.9%.",
    );
    expect(text).not.toMatch(/is most accurate|0\.0 points/);
    expect(text).toContain("Frozen feature extractor is the faster of them to train");
  });

  it("a lead below the displayed precision is a tie too; the rest are measured against it", () => {
    const text = verdict([
      run("frozen", 1, 0.8889, 1000),
      run("partial", 1, 0.88887, 2000),
      run("full", 1, 0.85, 3000),
    ]);
    expect(text).toContain(
      "tie for most accurate at 88.9%, 3.9 points above Full fine-tune (85.0%).",
    );
  });

  it("names a winner when the lead shows", () => {
    expect(verdict([run("frozen", 1, 0.85, 1000), run("full", 1, 0.9, 3000)])).toContain(
      "Full fine-tune is most accurate at 90.0%, 5.0 points above Frozen feature extractor (85.0%).",
    );
  });

  it("adds a caveat when the test set is tiny, and none when it is not", () => {
    const runs = [run("frozen", 1, 8 / 9, 1000), run("partial", 1, 7 / 9, 4000)];
    expect(verdict(runs, 9)).toContain("Only 9 test images per run: one image is 11.1 points");
    expect(verdict(runs, 100)).not.toContain("test images");
    expect(verdict(runs, null)).not.toContain("test images");
  });

  it("speaks in the server's tests: the winner's interval and p, every pair, and a note for several", async () => {
    const runs = [1, 2, 3].flatMap((seed) => [
      run("frozen", seed, 0.8 + seed * 0.001, 1000),
      run("partial", seed, 0.82 + seed * 0.003, 2000),
      run("full", seed, 0.8 + seed * 0.002, 3000),
    ]);
    const comparisons = await compareStrategies(
      runs.map((r) => ({
        strategy: r.strategy,
        seed: r.seed,
        runId: r.id,
        testAccuracy: r.testAccuracy ?? null,
      })),
      async () => undefined,
    );
    const text = verdict(runs, null, comparisons);
    // scipy.stats.ttest_1samp: partial − full per seed 0.021, 0.022, 0.023 → CI (0.0195, 0.0245),
    // p 0.00069; partial − frozen 0.022, 0.024, 0.026 → CI (0.0190, 0.0290), p 0.0023.
    expect(text).toContain(
      "Partial fine-tune is most accurate at 82.6%, 2.2 points above Full fine-tune (80.4%). Partial fine-tune beats full fine-tune by 2.2 points, 95% CI 2.0 to 2.4, p < 0.001, 3 seeds.",
    );
    expect(text).toContain(
      "Partial fine-tune beats the frozen extractor by 2.4 points, 95% CI 1.9 to 2.9, p = 0.002, 3 seeds.",
    );
    expect(text).toContain("3 pairs are compared at once");
  });

  it("says no detectable difference when the interval spans 0", async () => {
    const runs = [
      run("frozen", 1, 0.8, 1000),
      run("full", 1, 0.81, 3000),
      run("frozen", 2, 0.8, 1000),
      run("full", 2, 0.79, 3000),
      run("frozen", 3, 0.8, 1000),
      run("full", 3, 0.82, 3000),
    ];
    const comparisons = await compareStrategies(
      runs.map((r) => ({
        strategy: r.strategy,
        seed: r.seed,
        runId: r.id,
        testAccuracy: r.testAccuracy ?? null,
      })),
      async () => undefined,
    );
    const text = verdict(runs, null, comparisons);
    expect(text).toMatch(
      /No detectable difference between full fine-tune and the frozen extractor: 0\.7 points, 95% CI -3\.1 to 4\.5, p = 0\.5\d, 3 seeds\./,
    );
    expect(text).not.toContain("pairs are compared at once");
  });
});
