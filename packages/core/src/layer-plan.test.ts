import { describe, expect, it } from "vitest";
import { LayerPlanError, planLayerFreeze, type LayerInfo } from "./layer-plan";
import { StrategyConfig } from "./strategy";

const lenet: LayerInfo[] = [
  { name: "conv1", className: "Conv2D", paramCount: 156 },
  { name: "pool1", className: "MaxPooling2D", paramCount: 0 },
  { name: "conv2", className: "Conv2D", paramCount: 2416 },
  { name: "pool2", className: "MaxPooling2D", paramCount: 0 },
  { name: "flatten", className: "Flatten", paramCount: 0 },
  { name: "fc1", className: "Dense", paramCount: 30840 },
  { name: "fc2", className: "Dense", paramCount: 10164 },
];
const trainableNames = (strategy: unknown) =>
  planLayerFreeze(lenet, StrategyConfig.parse(strategy))
    .layers.filter((l) => l.trainable)
    .map((l) => l.name);

describe("planLayerFreeze", () => {
  it("frozen trains no base layer and freezes through the last one", () => {
    const plan = planLayerFreeze(lenet, StrategyConfig.parse({ kind: "frozen" }));
    expect(plan.layers.every((l) => !l.trainable)).toBe(true);
    expect(plan.frozenThrough).toBe("fc2");
    expect(plan.trainableBaseParams).toBe(0);
    expect(plan.frozenParams).toBe(156 + 2416 + 30840 + 10164);
  });

  it("full trains every base layer", () => {
    expect(trainableNames({ kind: "full" })).toEqual(lenet.map((l) => l.name));
    expect(planLayerFreeze(lenet, StrategyConfig.parse({ kind: "full" })).frozenThrough).toBeNull();
  });

  it("partial with a named cut trains only the layers above it", () => {
    expect(trainableNames({ kind: "partial", cut: { by: "layer", layer: "pool2" } })).toEqual([
      "flatten",
      "fc1",
      "fc2",
    ]);
    expect(trainableNames({ kind: "partial", cut: { by: "layer", layer: "conv1" } })).toEqual([
      "pool1",
      "conv2",
      "pool2",
      "flatten",
      "fc1",
      "fc2",
    ]);
  });

  it("partial top-K counts only layers with weights", () => {
    expect(trainableNames({ kind: "partial", cut: { by: "topK", k: 2 } })).toEqual(["fc1", "fc2"]);
    expect(trainableNames({ kind: "partial", cut: { by: "topK", k: 3 } })).toEqual([
      "conv2",
      "pool2",
      "flatten",
      "fc1",
      "fc2",
    ]);
  });

  it("does not depend on layer order in the list being by index: renamed layers plan by name", () => {
    const renamed = lenet.map((l) => ({ ...l, name: `block_${l.name}` }));
    const plan = planLayerFreeze(
      renamed,
      StrategyConfig.parse({ kind: "partial", cut: { by: "layer", layer: "block_flatten" } }),
    );
    expect(plan.layers.filter((l) => l.trainable).map((l) => l.name)).toEqual([
      "block_fc1",
      "block_fc2",
    ]);
  });

  it("names the bad cut layer and lists the real ones", () => {
    expect(() =>
      planLayerFreeze(
        lenet,
        StrategyConfig.parse({ kind: "partial", cut: { by: "layer", layer: "conv9" } }),
      ),
    ).toThrow(/cut layer "conv9" is not a layer of the base model; layers are: conv1, pool1/);
    expect(() =>
      planLayerFreeze(lenet, StrategyConfig.parse({ kind: "partial", cut: { by: "topK", k: 5 } })),
    ).toThrow(LayerPlanError);
  });
});
