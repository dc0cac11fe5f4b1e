import { describe, expect, it } from "vitest";
import { planLayerFreeze, type LayerInfo } from "@tlab/core/layer-plan";
import { defaultStrategy, type StrategyConfig } from "@tlab/core/strategy";
import { layerStripSegments, MAX_STRIP_LAYERS } from "./layer-strip-segments";

const LENET: LayerInfo[] = [
  { name: "conv1", className: "Conv2D", paramCount: 156 },
  { name: "pool1", className: "MaxPooling2D", paramCount: 0 },
  { name: "conv2", className: "Conv2D", paramCount: 2416 },
  { name: "fc1", className: "Dense", paramCount: 30840 },
];

/** 156 layers, as MobileNetV2 lists them. */
const DEEP: LayerInfo[] = Array.from({ length: 156 }, (_, i) => ({
  name: `layer_${i}`,
  className: i % 3 === 0 ? "Conv2D" : "ReLU",
  paramCount: i % 3 === 0 ? 1000 + i : 0,
}));

const partialThrough = (layer: string) =>
  ({ ...defaultStrategy("partial"), cut: { by: "layer", layer } }) as StrategyConfig;

describe("layerStripSegments", () => {
  it("gives a shallow model one box per layer, named, heavier layers wider", () => {
    const segments = layerStripSegments(planLayerFreeze(LENET, partialThrough("conv2")).layers);
    expect(segments.map((s) => [s.label, s.trainable])).toEqual([
      ["conv1", false],
      ["pool1", false],
      ["conv2", false],
      ["fc1", true],
    ]);
    expect(segments[2]!.detail).toBe(" (Conv2D, 2,416 parameters): frozen");
    expect(segments[3]!.weight).toBeGreaterThan(segments[2]!.weight);
    expect(segments[2]!.weight).toBeGreaterThan(segments[1]!.weight);
  });

  it("summarises a deep model as runs of frozen and trainable layers that cover every layer and parameter once", () => {
    const plan = planLayerFreeze(DEEP, partialThrough("layer_149"));
    const segments = layerStripSegments(plan.layers);
    expect(segments.length).toBeLessThanOrEqual(MAX_STRIP_LAYERS);
    expect(segments.map((s) => [s.label, s.trainable])).toEqual([
      ["150 layers", false],
      ["6 layers", true],
    ]);
    expect(segments[0]!.detail).toMatch(/^ \(layer_0 … layer_149, [\d,]+ parameters\): frozen$/);
    expect(segments.reduce((n, s) => n + s.layerCount, 0)).toBe(DEEP.length);
    expect(segments.filter((s) => s.trainable).reduce((n, s) => n + s.paramCount, 0)).toBe(
      plan.trainableBaseParams,
    );
    expect(segments.filter((s) => !s.trainable).reduce((n, s) => n + s.paramCount, 0)).toBe(
      plan.frozenParams,
    );
  });

  it("draws a deep model that trains or freezes whole as one box", () => {
    expect(
      layerStripSegments(planLayerFreeze(DEEP, defaultStrategy("full")).layers).map((s) => [
        s.label,
        s.trainable,
      ]),
    ).toEqual([["156 layers", true]]);
    expect(
      layerStripSegments(planLayerFreeze(DEEP, defaultStrategy("frozen")).layers).map((s) => [
        s.label,
        s.trainable,
      ]),
    ).toEqual([["156 layers", false]]);
  });
});
