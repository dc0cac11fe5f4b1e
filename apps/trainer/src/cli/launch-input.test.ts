import { describe, expect, it } from "vitest";
import { PRESETS } from "@tlab/core/presets";
import {
  launchInput,
  parseAugment,
  parseNumberList,
  parsePerStrategy,
  parseSweepCut,
  type LaunchOptions,
} from "./launch-input";

const NOW = new Date("2026-01-02T03:04:00Z");

function launch(opts: Partial<LaunchOptions>) {
  return launchInput({ preset: "digits", ...opts }, NOW);
}

function strategy<K extends "frozen" | "partial" | "full">(
  data: { strategies: { kind: string }[] },
  kind: K,
) {
  const found = data.strategies.find((s) => s.kind === kind);
  if (!found) throw new Error(`no ${kind} strategy`);
  return found as Extract<(typeof PRESETS)["digits"]["strategies"][number], { kind: K }>;
}

describe("launchInput", () => {
  it("keeps the preset's values when no option is given", () => {
    const result = launch({ preset: "digits-augmented" });
    expect(result.success).toBe(true);
    if (!result.success) return;
    const { name, ...rest } = result.data;
    const { name: presetName, ...preset } = PRESETS["digits-augmented"];
    expect(name).toBe(`${presetName} (2026-01-02 03:04)`);
    expect(rest).toEqual(preset);
  });

  it("maps training and strategy options onto the launch input", () => {
    const result = launch({
      strategies: ["frozen", "partial"],
      batchSize: 64,
      validationFraction: 0.2,
      patience: 3,
      lrSchedule: "cosine",
      batchnorm: "updated",
      augment: parseAugment("shift=2,rotate=10,brightness=0.1,flip"),
      head: "svm",
      hiddenUnits: 128,
      dropout: 0.3,
      lr: parsePerStrategy("--lr")("frozen=0.05, partial=0.02"),
      baseLr: parsePerStrategy("--base-lr")("partial=0.001"),
      cutTop: 3,
      warmup: 2,
    });
    expect(result.success).toBe(true);
    if (!result.success) return;
    expect(result.data).toMatchObject({ batchSize: 64, validationFraction: 0.2 });
    expect(result.data.training).toEqual({
      augmentation: { flipHorizontal: true, shiftPixels: 2, rotateDegrees: 10, brightness: 0.1 },
      earlyStoppingPatience: 3,
      lrSchedule: "cosine",
      batchNorm: "updated",
    });
    expect(result.data.strategies).toEqual([
      { kind: "frozen", head: { type: "svm", hiddenUnits: 128, dropout: 0.3 }, learningRate: 0.05 },
      {
        kind: "partial",
        head: { type: "svm", hiddenUnits: 128, dropout: 0.3 },
        cut: { by: "topK", k: 3 },
        learningRate: 0.02,
        baseLearningRate: 0.001,
        warmupEpochs: 2,
      },
    ]);
  });

  it("cuts partial at a named layer and leaves the other strategies' settings at the preset's", () => {
    const result = launch({ cut: "conv2", lr: { full: 0.002 } });
    expect(result.success).toBe(true);
    if (!result.success) return;
    expect(strategy(result.data, "partial").cut).toEqual({ by: "layer", layer: "conv2" });
    expect(strategy(result.data, "full").learningRate).toBe(0.002);
    expect(strategy(result.data, "frozen")).toEqual(strategy(PRESETS.digits, "frozen"));
  });

  it("keeps a chosen strategy's preset settings (partial's warm-up in digits-augmented)", () => {
    const result = launch({ preset: "digits-augmented", strategies: ["partial"] });
    expect(result.success).toBe(true);
    if (!result.success) return;
    expect(strategy(result.data, "partial").warmupEpochs).toBe(1);
  });

  it("reports a value the schema rejects by its field path and the schema's limits", () => {
    const result = launch({
      strategies: ["frozen", "full"],
      lr: { full: 2 },
      batchSize: Number.NaN,
    });
    expect(result).toEqual({
      success: false,
      error:
        "strategies.1.learningRate: must be a number greater than 0 and at most 1; batchSize: must be a whole number from 1 to 1024",
    });
  });

  it("leaves the budget flags' limits to the schema too", () => {
    expect(launch({ epochs: 0 })).toEqual({
      success: false,
      error: "epochs: must be a whole number from 1 to 100",
    });
    expect(launch({ seeds: 1.5 })).toEqual({
      success: false,
      error: "seeds: must be a whole number from 1 to 10",
    });
    expect(launch({ testPerClass: 0 })).toEqual({
      success: false,
      error: "testPerClass: must be a whole number from 1 to 10000",
    });
  });

  it("reports a bad augmentation or head value by its field path", () => {
    expect(launch({ augment: parseAugment("rotate=90") })).toEqual({
      success: false,
      error: "training.augmentation.rotateDegrees: must be a number from 0 to 45",
    });
    expect(launch({ dropout: 0.95, strategies: ["full"] })).toEqual({
      success: false,
      error: "strategies.0.head.dropout: must be a number from 0 to 0.9",
    });
  });

  it("names the flag when it sets a strategy that is not chosen", () => {
    expect(launch({ strategies: ["frozen", "full"], lr: { partial: 0.01 } })).toEqual({
      success: false,
      error: "--lr: strategy partial is not chosen (strategies: frozen, full)",
    });
    expect(launch({ strategies: ["frozen"], warmup: 1 })).toEqual({
      success: false,
      error: "--warmup: applies to partial, which is not chosen (strategies: frozen)",
    });
    expect(launch({ strategies: ["full"], cutTop: 2 })).toMatchObject({
      success: false,
      error: expect.stringMatching(/^--cut-top: applies to partial/),
    });
  });

  it("names the flag when a strategy has no such field", () => {
    expect(launch({ baseLr: { frozen: 0.01 } })).toEqual({
      success: false,
      error: "--base-lr: frozen has no baseLearningRate; allowed: partial, full",
    });
  });
});

describe("option parsers", () => {
  it("rejects an unknown strategy kind in --lr, naming the flag and the allowed kinds", () => {
    expect(() => parsePerStrategy("--lr")("frozen=0.03,fine=0.01")).toThrow(
      '--lr: unknown strategy "fine"; allowed: frozen, partial, full',
    );
    expect(() => parsePerStrategy("--lr")("frozen")).toThrow(
      '--lr: write frozen=<number>, got "frozen"',
    );
  });

  it("rejects an unknown augmentation item and turns augmentation off with none", () => {
    expect(() => parseAugment("zoom=2")).toThrow('--augment: unknown item "zoom=2"');
    expect(parseAugment("none")).toEqual({
      flipHorizontal: false,
      shiftPixels: 0,
      rotateDegrees: 0,
      brightness: 0,
    });
  });
});

describe("label-budget ladder and cut sweep options", () => {
  it("--train-per-class with one value keeps a single budget; several make a ladder", () => {
    const single = launch({ trainPerClass: parseNumberList("40") });
    expect(single.success && [single.data.trainPerClass, single.data.trainPerClassLadder]).toEqual([
      40,
      undefined,
    ]);
    const ladder = launch({ trainPerClass: parseNumberList("10, 30,100") });
    expect(ladder.success && [ladder.data.trainPerClass, ladder.data.trainPerClassLadder]).toEqual([
      100,
      [10, 30, 100],
    ]);
    expect(launch({ trainPerClass: parseNumberList("10,x") })).toEqual({
      success: false,
      error: "trainPerClassLadder.1: must be a whole number from 2 to 10000",
    });
  });

  it("--sweep-cut takes all or layer names, and needs the partial strategy", () => {
    const all = launch({ sweepCut: parseSweepCut("all") });
    expect(all.success && all.data.cutSweep).toBe("all");
    const named = launch({ sweepCut: parseSweepCut("conv2, fc1") });
    expect(named.success && named.data.cutSweep).toEqual(["conv2", "fc1"]);
    expect(launch({ strategies: ["frozen"], sweepCut: "all" })).toEqual({
      success: false,
      error: "--sweep-cut: applies to partial, which is not chosen (strategies: frozen)",
    });
    expect(launch({ sweepCut: "all", cut: "conv2" })).toMatchObject({
      success: false,
      error: expect.stringMatching(/^--sweep-cut: gives each partial run its own cut/),
    });
    expect(() => parseSweepCut(" , ")).toThrow(/--sweep-cut: give "all" or layer names/);
  });
});
