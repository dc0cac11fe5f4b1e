import { describe, expect, it } from "vitest";
import { defaultStrategy, StrategyConfig } from "./strategy";
import {
  type CurveRun,
  cutDepthCurves,
  describeCrossover,
  frozenCrossovers,
  labelBudgetCurves,
} from "./transfer-curves";

const partialAt = (layer: string) =>
  StrategyConfig.parse({ kind: "partial", cut: { by: "layer", layer } });

let next = 0;
function run(
  config: StrategyConfig,
  seed: number,
  trainPerClass: number,
  depth: number,
  testAccuracy: number | null,
  status = "SUCCEEDED",
): CurveRun {
  next += 1;
  return {
    id: `r${next}`,
    strategy: config.kind,
    config,
    seed,
    status,
    testAccuracy,
    trainPerClass,
    trainedBaseLayers: depth,
  };
}

const frozen = defaultStrategy("frozen");
const full = defaultStrategy("full");

describe("cutDepthCurves", () => {
  it("averages seeds per depth and budget; failed and unfinished runs do not count", () => {
    const lines = cutDepthCurves([
      run(frozen, 1, 10, 0, 0.8),
      run(frozen, 2, 10, 0, 0.6),
      run(partialAt("fc1"), 1, 10, 1, 0.9),
      run(partialAt("fc1"), 2, 10, 1, null, "FAILED"),
      run(full, 1, 10, 4, 0.7),
      run(full, 1, 30, 4, 0.95),
    ]);
    expect(lines.map((l) => l.label)).toEqual(["10 labels per class", "30 labels per class"]);
    const [ten, thirty] = lines;
    expect(ten!.points.map((p) => [p.x, p.n])).toEqual([
      [0, 2],
      [1, 1],
      [4, 1],
    ]);
    // Mean 0.7 and sample std sqrt(((0.1)² + (0.1)²) / 1) of 0.8 and 0.6.
    expect(ten!.points[0]!.mean).toBeCloseTo(0.7, 12);
    expect(ten!.points[0]!.std).toBeCloseTo(Math.SQRT2 * 0.1, 12);
    expect(ten!.points[1]!.std).toBeNull();
    expect(thirty!.points).toEqual([{ x: 4, mean: 0.95, std: null, min: 0.95, max: 0.95, n: 1 }]);
  });
});

describe("labelBudgetCurves and the crossover", () => {
  it("finds where the frozen extractor stops winning, interpolated on log labels", () => {
    const runs = [
      run(frozen, 1, 10, 0, 0.8),
      run(frozen, 1, 100, 0, 0.85),
      run(full, 1, 10, 4, 0.6),
      run(full, 1, 100, 4, 0.95),
      run(partialAt("conv2"), 1, 10, 2, 0.7),
      run(partialAt("conv2"), 1, 100, 2, 0.8),
    ];
    const lines = labelBudgetCurves(runs);
    expect(lines.map((l) => l.key)).toEqual(["frozen", "partial@conv2", "full"]);
    const crossings = frozenCrossovers(lines);
    // Frozen vs partial: 0.1 ahead at 10, 0.05 ahead at 100: no crossing. Frozen vs full: +0.2
    // at 10, -0.1 at 100, so t = 0.2 / 0.3 of the way in log10: 10^(1 + 2/3) ≈ 46.4.
    expect(crossings).toHaveLength(1);
    const [c] = crossings;
    expect(c!.labelsPerClass).toBeCloseTo(10 ** (1 + 2 / 3), 9);
    expect(c!.accuracy).toBeCloseTo(0.8 + (2 / 3) * 0.05, 12);
    expect(describeCrossover(c!)).toBe(
      "Frozen feature extractor wins below about 46 labels a class; Full fine-tune above (crossing between the measured 10 and 100)",
    );
  });

  it("reports no crossover on a tie or with one budget", () => {
    expect(
      frozenCrossovers(
        labelBudgetCurves([
          run(frozen, 1, 10, 0, 0.8),
          run(full, 1, 10, 4, 0.8),
          run(frozen, 1, 30, 0, 0.7),
          run(full, 1, 30, 4, 0.9),
        ]),
      ),
    ).toEqual([]);
    expect(
      frozenCrossovers(labelBudgetCurves([run(frozen, 1, 10, 0, 0.9), run(full, 1, 10, 4, 0.5)])),
    ).toEqual([]);
  });
});
