import { describe, expect, it } from "vitest";
import { CreateExperimentInput } from "./experiment";
import type { LayerInfo } from "./layer-plan";
import { PRESETS } from "./presets";
import { defaultStrategy, STRATEGY_KINDS } from "./strategy";
import {
  MAX_RUNS_PER_LAUNCH,
  planExperimentRuns,
  SweepPlanError,
  sweepCutLayers,
  trainPerClassBudgets,
} from "./transfer-sweep";

const lenet: LayerInfo[] = [
  { name: "conv1", className: "Conv2D", paramCount: 156 },
  { name: "pool1", className: "MaxPooling2D", paramCount: 0 },
  { name: "conv2", className: "Conv2D", paramCount: 2416 },
  { name: "pool2", className: "MaxPooling2D", paramCount: 0 },
  { name: "flatten", className: "Flatten", paramCount: 0 },
  { name: "fc1", className: "Dense", paramCount: 30840 },
  { name: "fc2", className: "Dense", paramCount: 10164 },
];
const allStrategies = STRATEGY_KINDS.map(defaultStrategy);

describe("sweepCutLayers", () => {
  it("all: every weighted layer but the top one, bottom to top", () => {
    expect(sweepCutLayers(lenet, "all")).toEqual(["conv1", "conv2", "fc1"]);
  });

  it("a list is put in depth order and checked against the base", () => {
    expect(sweepCutLayers(lenet, ["fc1", "pool1"])).toEqual(["pool1", "fc1"]);
    expect(() => sweepCutLayers(lenet, ["conv9"])).toThrow(
      /cutSweep: "conv9" is not a layer of the base model; layers are: conv1, pool1/,
    );
    expect(() => sweepCutLayers(lenet, ["fc2"])).toThrow(/leaves no layer with weights to train/);
    const noWeightsBelow: LayerInfo[] = [
      { name: "rescale", className: "Rescaling", paramCount: 0 },
      ...lenet,
    ];
    expect(() => sweepCutLayers(noWeightsBelow, ["rescale"])).toThrow(
      /freezes no layer with weights/,
    );
  });

  it("all needs two weighted layers", () => {
    expect(() => sweepCutLayers(lenet.slice(0, 2), "all")).toThrow(SweepPlanError);
  });
});

describe("planExperimentRuns", () => {
  it("fans out budget × seed × (frozen, one partial per cut, full)", () => {
    const runs = planExperimentRuns(
      {
        strategies: allStrategies,
        seeds: 2,
        trainPerClass: 100,
        trainPerClassLadder: [30, 10],
        cutSweep: "all",
      },
      lenet,
    );
    expect(runs).toHaveLength(2 * 2 * 5);
    const keys = runs.map((r) =>
      [
        r.trainPerClass,
        r.seed,
        r.strategy.kind,
        r.strategy.kind === "partial" && r.strategy.cut.by === "layer" ? r.strategy.cut.layer : "",
      ].join("/"),
    );
    expect(new Set(keys).size).toBe(runs.length);
    expect(keys.slice(0, 5)).toEqual([
      "10/1/frozen/",
      "10/1/partial/conv1",
      "10/1/partial/conv2",
      "10/1/partial/fc1",
      "10/1/full/",
    ]);
    // Weighted layers trained: 0 for frozen, the layers above the cut, all four for full.
    expect(runs.slice(0, 5).map((r) => r.trainedBaseLayers)).toEqual([0, 3, 2, 1, 4]);
    expect(trainPerClassBudgets({ trainPerClass: 100, trainPerClassLadder: [30, 10] })).toEqual([
      10, 30,
    ]);
  });

  it("keeps the asked strategies only, and the partial strategy's own cut without a sweep", () => {
    const runs = planExperimentRuns(
      { strategies: [defaultStrategy("partial")], seeds: 3, trainPerClass: 50 },
      lenet,
    );
    expect(runs.map((r) => [r.strategy, r.seed, r.trainPerClass])).toEqual(
      [1, 2, 3].map((seed) => [defaultStrategy("partial"), seed, 50]),
    );
  });

  it("refuses a launch over the run limit, naming the field", () => {
    const deep: LayerInfo[] = Array.from({ length: 40 }, (_, i) => ({
      name: `conv${i}`,
      className: "Conv2D",
      paramCount: 10,
    }));
    const plan = () =>
      planExperimentRuns(
        {
          strategies: allStrategies,
          seeds: 3,
          trainPerClass: 10,
          trainPerClassLadder: [10, 20],
          cutSweep: "all",
        },
        deep,
      );
    expect(plan).toThrow(
      `cutSweep: this launch would create ${2 * 3 * 41} runs (2 budget(s) × 3 seed(s) × 41 strategy setting(s)); at most ${MAX_RUNS_PER_LAUNCH} per launch`,
    );
  });
});

describe("CreateExperimentInput with a sweep and a ladder", () => {
  it("accepts both and checks each rung's validation share", () => {
    const ok = CreateExperimentInput.safeParse({
      ...PRESETS.digits,
      trainPerClassLadder: [10, 30, 100],
      cutSweep: "all",
    });
    expect(ok.success).toBe(true);
    const bad = CreateExperimentInput.safeParse({
      ...PRESETS.digits,
      validationFraction: 0.15,
      trainPerClassLadder: [3, 30],
    });
    expect(bad.error?.issues.map((i) => [i.path.join("."), i.message])).toEqual([
      [
        "trainPerClassLadder.0",
        "3 gives no validation image per class at validationFraction 0.15 (rounded); use at least 4 or raise validationFraction",
      ],
    ]);
  });

  it("names the field and what it allows", () => {
    const messages = (patch: object) =>
      CreateExperimentInput.safeParse({ ...PRESETS.digits, ...patch }).error?.issues.map(
        (i) => `${i.path.join(".")}: ${i.message}`,
      );
    expect(messages({ cutSweep: "some" })).toEqual([
      'cutSweep: must be "all" or a list of layer names of the base model',
    ]);
    expect(messages({ trainPerClassLadder: [10, 10] })).toEqual([
      "trainPerClassLadder: each value can appear only once",
    ]);
    expect(messages({ trainPerClassLadder: [1.5, 10] })).toContain(
      "trainPerClassLadder.0: must be a whole number from 2 to 10000",
    );
    expect(messages({ strategies: [defaultStrategy("frozen")], cutSweep: ["conv1"] })).toEqual([
      "cutSweep: needs the partial strategy: a cut sweep makes one partial run per cut layer",
    ]);
  });
});
