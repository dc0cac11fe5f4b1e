import { z } from "zod";
import { boundedNumber, flag, oneOf } from "./field-limits";
import { StrategyConfig } from "./strategy";
import { CutSweep, TrainPerClassLadder, trainPerClassValue } from "./transfer-sweep";

export const BATCH_NORM_MODES = ["frozen", "updated"] as const;
export type BatchNormMode = (typeof BATCH_NORM_MODES)[number];

/** Random image augmentation applied to training batches only (never to validation or test). */
export const Augmentation = z.object({
  flipHorizontal: flag().default(false),
  /** Maximum shift in pixels along each axis. */
  shiftPixels: boundedNumber({ min: 0, max: 32, int: true }).default(0),
  rotateDegrees: boundedNumber({ min: 0, max: 45 }).default(0),
  /** Maximum brightness change, as a fraction of the value range. */
  brightness: boundedNumber({ min: 0, max: 0.5 }).default(0),
});
export type Augmentation = z.infer<typeof Augmentation>;

/** Training settings every run of an experiment shares, so the comparison stays fair. */
export const TrainingOptions = z.object({
  augmentation: Augmentation.default({
    flipHorizontal: false,
    shiftPixels: 0,
    rotateDegrees: 0,
    brightness: 0,
  }),
  /** Stop after this many epochs without a better validation accuracy (0 = never); the best epoch is restored either way. */
  earlyStoppingPatience: boundedNumber({ min: 0, max: 100, int: true }).default(0),
  lrSchedule: oneOf(["constant", "cosine", "step"]).default("constant"),
  /**
   * BatchNormalization statistics while the base fine-tunes. `frozen`: the layers run in inference
   * mode (moving mean and variance kept, gamma and beta still train), the usual practice for
   * fine-tuning since small batches give noisy batch statistics. `updated`: they run in training
   * mode, normalising by each (micro-)batch and moving their statistics.
   */
  batchNorm: oneOf(BATCH_NORM_MODES).default("frozen"),
});
export type TrainingOptions = z.infer<typeof TrainingOptions>;
export const DEFAULT_TRAINING_OPTIONS: TrainingOptions = TrainingOptions.parse({});

/**
 * TrainingOptions as stored with an experiment. Experiments launched before the BatchNorm option
 * existed trained with their statistics updated, so a stored value without it reads as `updated`,
 * not as today's default.
 */
export const StoredTrainingOptions = z.preprocess(
  (value) =>
    value !== null && typeof value === "object" && !("batchNorm" in value)
      ? { ...value, batchNorm: "updated" }
      : value,
  TrainingOptions,
);

/**
 * The launch input, shared by the web form, the tRPC API and `tlab launch`.
 * An experiment fans out into one run per (strategy, seed); every run shares the split, the epoch
 * budget and the evaluation set, so the strategies are compared fairly.
 */
export const CreateExperimentInput = z
  .object({
    name: z
      .string()
      .trim()
      .min(1, "Experiment name is required")
      .max(120, "Experiment name is at most 120 characters"),
    baseModel: z
      .string()
      .trim()
      .min(1, "Choose a base model")
      .max(100, "Base model names are at most 100 characters"),
    dataset: z
      .string()
      .trim()
      .min(1, "Choose a dataset")
      .max(100, "Dataset names are at most 100 characters"),
    strategies: z
      .array(StrategyConfig)
      .min(1, "Pick at least one strategy")
      .refine(
        (list) => new Set(list.map((s) => s.kind)).size === list.length,
        "Each strategy can appear only once",
      ),
    epochs: boundedNumber({ min: 1, max: 100, int: true }),
    batchSize: boundedNumber({ min: 1, max: 1024, int: true }).default(32),
    seeds: boundedNumber({ min: 1, max: 10, int: true }).default(1),
    /** Labelled training images per class (few-shot budget), validation share included; the rest of the pool is not used. */
    trainPerClass: trainPerClassValue().default(300),
    /**
     * Label-budget ladder: when given, the whole set of runs is made for each value and it replaces
     * trainPerClass (the experiment records its largest value there).
     */
    trainPerClassLadder: TrainPerClassLadder.optional(),
    /** Cut sweep: one partial run per cut layer instead of the partial strategy's own cut. */
    cutSweep: CutSweep.optional(),
    validationFraction: boundedNumber({ min: 0.05, max: 0.5 }).default(0.15),
    testPerClass: boundedNumber({ min: 1, max: 10_000, int: true }).default(200),
    training: TrainingOptions.default(DEFAULT_TRAINING_OPTIONS),
    notes: z.string().max(2000, "Notes are at most 2000 characters").default(""),
  })
  .superRefine((input, ctx) => {
    // The validation share is taken from the training images, rounded as the trainer splits them.
    // With at least 2 images and at most half for validation a class always keeps one to train on;
    // it must also get one to validate on: curves, early stopping and the best epoch are judged there.
    const budgets = input.trainPerClassLadder
      ? input.trainPerClassLadder.map((value, i) => ({ value, path: ["trainPerClassLadder", i] }))
      : [{ value: input.trainPerClass, path: ["trainPerClass"] }];
    for (const { value, path } of budgets) {
      if (Math.round(value * input.validationFraction) >= 1) continue;
      let enough = value;
      while (Math.round(enough * input.validationFraction) < 1) enough += 1;
      ctx.addIssue({
        code: "custom",
        path,
        message: `${path.length > 1 ? `${value} ` : ""}gives no validation image per class at validationFraction ${input.validationFraction} (rounded); use at least ${enough} or raise validationFraction`,
      });
    }
    if (input.cutSweep && !input.strategies.some((s) => s.kind === "partial"))
      ctx.addIssue({
        code: "custom",
        path: ["cutSweep"],
        message: "needs the partial strategy: a cut sweep makes one partial run per cut layer",
      });
  });
export type CreateExperimentInput = z.infer<typeof CreateExperimentInput>;
export type CreateExperimentFormValues = z.input<typeof CreateExperimentInput>;

/** Every input that names an experiment keys it `experimentId`. */
export const ExperimentId = z.object({
  experimentId: z
    .string()
    .min(1, "experimentId: required")
    .max(64, "experimentId: at most 64 characters"),
});

export const ListExperimentsInput = z
  .object({
    limit: z.number().int().min(1).max(200).default(50),
    cursor: z.string().max(64, "cursor: at most 64 characters").nullish(),
    search: z.string().max(200, "search: at most 200 characters").optional(),
  })
  .default({ limit: 50 });
