import { describe, expect, it } from "vitest";
import { CreateExperimentInput, StoredTrainingOptions } from "./experiment";
import { PRESETS } from "./presets";

describe("CreateExperimentInput", () => {
  it("accepts the digits preset", () => {
    expect(CreateExperimentInput.safeParse(PRESETS.digits).success).toBe(true);
  });

  it("refuses a split that leaves a class no validation image, rounding as the trainer does", () => {
    // 2 images at 0.2 round to no validation image: curves and early stopping would have nothing to judge.
    for (const [trainPerClass, validationFraction, enough] of [
      [2, 0.2, 3],
      [3, 0.15, 4],
      [9, 0.05, 10],
    ] as const) {
      const result = CreateExperimentInput.safeParse({
        ...PRESETS.digits,
        trainPerClass,
        validationFraction,
      });
      expect(
        result.error?.flatten().fieldErrors.trainPerClass,
        `${trainPerClass} at ${validationFraction}`,
      ).toEqual([
        `gives no validation image per class at validationFraction ${validationFraction} (rounded); use at least ${enough} or raise validationFraction`,
      ]);
      expect(
        CreateExperimentInput.safeParse({
          ...PRESETS.digits,
          trainPerClass: enough,
          validationFraction,
        }).success,
      ).toBe(true);
    }
    // The smallest split: 2 images at 0.5, one to train on and one to validate on.
    expect(
      CreateExperimentInput.safeParse({
        ...PRESETS.digits,
        trainPerClass: 2,
        validationFraction: 0.5,
      }).success,
    ).toBe(true);
  });

  it("names the field and the allowed range on bad input", () => {
    const result = CreateExperimentInput.safeParse({
      ...PRESETS.digits,
      name: " ",
      epochs: 0,
      strategies: [],
    });
    expect(result.success).toBe(false);
    const fields = result.error!.flatten().fieldErrors;
    expect(fields.name).toEqual(["Experiment name is required"]);
    expect(fields.epochs).toEqual(["must be a whole number from 1 to 100"]);
    expect(fields.strategies).toEqual(["Pick at least one strategy"]);
  });

  it("says what each numeric and enumerated field allows, with its bounds", () => {
    const result = CreateExperimentInput.safeParse({
      ...PRESETS.digits,
      epochs: 2.5,
      trainPerClass: 0,
      testPerClass: 20_000,
      validationFraction: 0.9,
      training: {
        earlyStoppingPatience: -1,
        lrSchedule: "linear",
        augmentation: { shiftPixels: 40, rotateDegrees: 90, brightness: 1 },
      },
      strategies: [
        { kind: "frozen", learningRate: -1, head: { type: "rbf", hiddenUnits: 5000, dropout: 2 } },
        { kind: "partial", cut: { by: "topK", k: 0 }, baseLearningRate: 2, warmupEpochs: 101 },
      ],
    });
    const messages = Object.fromEntries(
      result.error!.issues.map((issue) => [issue.path.join("."), issue.message]),
    );
    expect(messages).toEqual({
      epochs: "must be a whole number from 1 to 100",
      trainPerClass: "must be a whole number from 2 to 10000",
      testPerClass: "must be a whole number from 1 to 10000",
      validationFraction: "must be a number from 0.05 to 0.5",
      "training.earlyStoppingPatience": "must be a whole number from 0 to 100",
      "training.lrSchedule": "must be one of constant, cosine, step",
      "training.augmentation.shiftPixels": "must be a whole number from 0 to 32",
      "training.augmentation.rotateDegrees": "must be a number from 0 to 45",
      "training.augmentation.brightness": "must be a number from 0 to 0.5",
      "strategies.0.learningRate": "must be a number greater than 0 and at most 1",
      "strategies.0.head.type": "must be one of softmax, svm",
      "strategies.0.head.hiddenUnits": "must be a whole number from 0 to 4096",
      "strategies.0.head.dropout": "must be a number from 0 to 0.9",
      "strategies.1.cut.k": "must be a whole number from 1 to 500",
      "strategies.1.baseLearningRate": "must be a number greater than 0 and at most 1",
      "strategies.1.warmupEpochs": "must be a whole number from 0 to 100",
    });
  });

  it("says what is allowed when a value has the wrong type", () => {
    const result = CreateExperimentInput.safeParse({
      ...PRESETS.digits,
      seeds: Number.NaN,
      batchSize: "32",
      training: { augmentation: { flipHorizontal: "yes" } },
      strategies: [{ kind: "partial", cut: { by: "bottomK", k: 2 } }],
    });
    const messages = Object.fromEntries(
      result.error!.issues.map((issue) => [issue.path.join("."), issue.message]),
    );
    expect(messages).toEqual({
      seeds: "must be a whole number from 1 to 10",
      batchSize: "must be a whole number from 1 to 1024",
      "training.augmentation.flipHorizontal": "must be true or false",
      "strategies.0.cut.by": "must be one of layer, topK",
    });
  });

  it("accepts every bound itself", () => {
    const lowest = {
      ...PRESETS.digits,
      epochs: 1,
      batchSize: 1,
      seeds: 1,
      trainPerClass: 2,
      testPerClass: 1,
      validationFraction: 0.5,
    };
    const highest = {
      ...PRESETS.digits,
      epochs: 100,
      batchSize: 1024,
      seeds: 10,
      trainPerClass: 10_000,
      testPerClass: 10_000,
      validationFraction: 0.5,
    };
    expect(CreateExperimentInput.safeParse(lowest).success).toBe(true);
    expect(
      CreateExperimentInput.safeParse({ ...lowest, trainPerClass: 20, validationFraction: 0.05 })
        .success,
    ).toBe(true);
    expect(CreateExperimentInput.safeParse(highest).success).toBe(true);
    const strategy = {
      kind: "full",
      learningRate: 1,
      baseLearningRate: 1e-6,
      head: { type: "svm", hiddenUnits: 4096, dropout: 0.9 },
    };
    expect(
      CreateExperimentInput.safeParse({ ...PRESETS.digits, strategies: [strategy] }).success,
    ).toBe(true);
  });

  it("refuses the same strategy twice and unknown strategies", () => {
    const twice = CreateExperimentInput.safeParse({
      ...PRESETS.digits,
      strategies: [{ kind: "full" }, { kind: "full" }],
    });
    expect(twice.error?.issues[0]?.message).toBe("Each strategy can appear only once");
    const unknown = CreateExperimentInput.safeParse({
      ...PRESETS.digits,
      strategies: [{ kind: "lora" }],
    });
    expect(unknown.success).toBe(false);
    expect(unknown.error?.issues[0]?.path).toEqual(["strategies", 0, "kind"]);
    expect(unknown.error?.issues[0]?.message).toBe("must be one of frozen, partial, full");
  });
});

describe("TrainingOptions.batchNorm", () => {
  it("defaults to frozen for a new launch and names the allowed values", () => {
    expect(CreateExperimentInput.parse(PRESETS.digits).training.batchNorm).toBe("frozen");
    const result = CreateExperimentInput.safeParse({
      ...PRESETS.digits,
      training: { batchNorm: "moving" },
    });
    expect(result.error?.issues.map((i) => [i.path.join("."), i.message])).toEqual([
      ["training.batchNorm", "must be one of frozen, updated"],
    ]);
  });

  it("reads an experiment stored before the option as updated, which is how it trained", () => {
    expect(
      StoredTrainingOptions.parse({ earlyStoppingPatience: 2, lrSchedule: "cosine" }).batchNorm,
    ).toBe("updated");
    expect(StoredTrainingOptions.parse({ batchNorm: "frozen" }).batchNorm).toBe("frozen");
  });
});
