import { describe, expect, it } from "vitest";
import { type BasisSource, basisDrift, decisionBasis } from "./decision-basis";
import type { RunStatus } from "./run";
import { defaultStrategy, StrategyConfig } from "./strategy";

function run(
  id: string,
  config: StrategyConfig,
  seed: number,
  trainPerClass: number,
  status: RunStatus,
  testAccuracy: number | null,
  attempt = status === "QUEUED" ? 0 : 1,
): BasisSource {
  return { id, strategy: config.kind, config, seed, attempt, status, testAccuracy, trainPerClass };
}
const frozen = defaultStrategy("frozen");
const cutAt = (layer: string) =>
  StrategyConfig.parse({ kind: "partial", cut: { by: "layer", layer } });

describe("decisionBasis", () => {
  it("groups a sweep over a ladder by setting and budget; only succeeded runs count", () => {
    const basis = decisionBasis([
      run("a", frozen, 1, 10, "SUCCEEDED", 0.7),
      run("b", frozen, 1, 30, "SUCCEEDED", 0.8),
      run("c", cutAt("conv2"), 1, 10, "SUCCEEDED", 0.6),
      run("d", cutAt("fc1"), 1, 10, "FAILED", null),
    ]);
    expect(basis.groups.map((g) => [g.key, g.label, g.meanTestAccuracy, g.n])).toEqual([
      ["frozen|n=10", "Frozen feature extractor · 10 labels per class", 0.7, 1],
      ["frozen|n=30", "Frozen feature extractor · 30 labels per class", 0.8, 1],
      ["partial@conv2|n=10", "Partial fine-tune (cut at conv2) · 10 labels per class", 0.6, 1],
      ["partial@fc1|n=10", "Partial fine-tune (cut at fc1) · 10 labels per class", null, 0],
    ]);
  });
});

describe("basisDrift", () => {
  const before = [
    run("a", frozen, 1, 10, "SUCCEEDED", 0.9),
    run("b", frozen, 2, 10, "SUCCEEDED", 0.8),
  ];

  it("is null when nothing changed", () => {
    expect(basisDrift(decisionBasis(before), decisionBasis(before))).toBeNull();
  });

  it("shows a changed result with enough digits to tell the numbers apart, and runs gone", () => {
    const changed = [run("a", frozen, 1, 10, "SUCCEEDED", 0.90004)];
    expect(basisDrift(decisionBasis(before), decisionBasis(changed))).toEqual({
      headline: "made on 2 seeds; now 1 seed",
      changes: [
        "Frozen feature extractor 0.850 (2 seeds) → 0.900 (1 seed)",
        "Frozen feature extractor seed 1 result changed 0.90000 → 0.90004",
        "1 run of the basis no longer exists",
      ],
    });
  });
});
