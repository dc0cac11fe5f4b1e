import type { RunSummaryDto } from "@tlab/core/dto";
import type { StrategyKind } from "@tlab/core/strategy";
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

const verdict = (runs: RunSummaryDto[], testImages: number | null = null) =>
  renderToStaticMarkup(
    createElement(Verdict, {
      summaries: summarizeStrategies(runs, new Map()),
      live: false,
      testImages,
    }),
  ).replace(/<[^>]+>/g, "");

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
});
