import { describe, expect, it } from "vitest";
import { defaultStrategy, type StrategyConfig } from "@tlab/core/strategy";
import { describeStrategy, invalidStrategyPaths } from "./describe-strategy";

describe("describeStrategy", () => {
  it("summarises a valid strategy with every value", () => {
    const config = {
      ...defaultStrategy("partial"),
      learningRate: 0.02,
      cut: { by: "layer", layer: "conv2" },
    } as StrategyConfig;
    expect(invalidStrategyPaths(config).size).toBe(0);
    expect(describeStrategy(config, invalidStrategyPaths(config))).toMatch(
      /^frozen through conv2, softmax head, lr 0\.02 \(base [\d.]+\)$/,
    );
  });

  it("shows a dash for each value its field refuses, as a half-edited launch form holds them", () => {
    const config = {
      ...defaultStrategy("partial"),
      learningRate: -1,
      baseLearningRate: Number.NaN,
      cut: { by: "topK", k: 0 },
      head: { type: "svm", hiddenUnits: -5, dropout: 0 },
    } as StrategyConfig;
    const invalid = invalidStrategyPaths(config);
    expect([...invalid].sort()).toEqual([
      "baseLearningRate",
      "cut.k",
      "head.hiddenUnits",
      "learningRate",
    ]);
    const text = describeStrategy(config, invalid);
    expect(text).toBe("top — weighted layers train, svm head (— hidden), lr — (base —)");
    expect(text).not.toMatch(/-1|-5|NaN|\b0 weighted/);
  });
});
