import { z } from "zod";
import { boundedNumber } from "./field-limits";
import { MAX_POINTS_PER_REPORT, MetricPoint } from "./run";
import { predictionsAccuracy } from "./run-predictions";
import { StrategyKind } from "./strategy";

/**
 * External experiments: runs trained elsewhere (PyTorch, Keras, a GPU box) and reported by a
 * client over the HTTP API (/api/v1, the Python client `tlab`). Their base model and dataset need
 * not be in the catalog, and their runs are never queued for workers. One schema per input, used
 * by the HTTP route handlers and the OpenAPI document alike.
 */

/** Bounds of what a client may report, so no report makes a read of the run too large. */
export const EXTERNAL_LIMITS = {
  /** Steps are epochs; an external experiment states no budget, so this is the ceiling. */
  maxStep: 100_000,
  maxClasses: 1_000,
  maxPredictions: 100_000,
  maxExtraSettings: 50,
} as const;

const text = (field: string, max: number) =>
  z
    .string({ error: `${field}: must be a string` })
    .trim()
    .max(max, `${field}: at most ${max} characters`);
const requiredText = (field: string, max: number) => text(field, max).min(1, `${field}: required`);

/** An idempotency key the client picks (e.g. a UUID): a retried create returns what the first made. */
const ClientKey = z
  .string()
  .min(8, "clientKey: at least 8 characters")
  .max(64, "clientKey: at most 64 characters")
  .regex(/^[A-Za-z0-9_-]+$/, "clientKey: letters, digits, _ and - only")
  .optional()
  .describe("Idempotency key chosen by the client; a retried create returns the same resource.");

/** What an external experiment says about its base model and dataset; stored as JSON with it. */
export const ExternalSubject = z.object({
  baseModel: z.object({ name: z.string(), description: z.string() }),
  dataset: z.object({ name: z.string(), description: z.string() }),
});
export type ExternalSubject = z.infer<typeof ExternalSubject>;

export const CreateExternalExperimentInput = z.object({
  name: requiredText("name", 120),
  baseModel: requiredText("baseModel", 100).describe(
    "Base model name, free form (e.g. resnet18-imagenet).",
  ),
  baseModelDescription: text("baseModelDescription", 2000).default(""),
  dataset: requiredText("dataset", 100).describe("Dataset name, free form (e.g. flowers-102)."),
  datasetDescription: text("datasetDescription", 2000).default(""),
  notes: text("notes", 2000).default(""),
  clientKey: ClientKey,
});
export type CreateExternalExperimentInput = z.infer<typeof CreateExternalExperimentInput>;

const settingValue = z.union([
  z.string().max(500, "extra: values are at most 500 characters"),
  z.number().finite(),
  z.boolean(),
]);

/** The settings a client declares for a run; shown with it. Anything beyond the named ones goes in `extra`. */
export const ExternalRunSettings = z
  .object({
    cut: text("settings.cut", 200).optional().describe("Where the base was split (a layer name)."),
    learningRate: boundedNumber({ min: 0, max: 10, exclusiveMin: true }).optional(),
    baseLearningRate: boundedNumber({ min: 0, max: 10, exclusiveMin: true }).optional(),
    head: text("settings.head", 200)
      .optional()
      .describe("The new head, free form (e.g. linear, mlp-256)."),
    epochs: boundedNumber({ min: 1, max: EXTERNAL_LIMITS.maxStep, int: true }).optional(),
    batchSize: boundedNumber({ min: 1, max: 1_000_000, int: true }).optional(),
    extra: z
      .record(
        z.string().min(1).max(100, "settings.extra: keys are at most 100 characters"),
        settingValue,
      )
      .refine(
        (extra) => Object.keys(extra).length <= EXTERNAL_LIMITS.maxExtraSettings,
        `settings.extra: at most ${EXTERNAL_LIMITS.maxExtraSettings} keys`,
      )
      .default({}),
  })
  .strict();
export type ExternalRunSettings = z.infer<typeof ExternalRunSettings>;

const paramCount = (field: string) =>
  z
    .number({ error: `${field}: must be a whole number from 0 to 1000000000000` })
    .int(`${field}: must be a whole number`)
    .min(0, `${field}: must be 0 or more`)
    .max(1e12, `${field}: at most 1000000000000`);

export const StartExternalRunInput = z
  .object({
    strategy: StrategyKind,
    seed: boundedNumber({ min: 0, max: 2_147_483_647, int: true }),
    settings: ExternalRunSettings.default({ extra: {} }),
    trainableParams: paramCount("trainableParams").optional(),
    totalParams: paramCount("totalParams").optional(),
    clientKey: ClientKey,
  })
  .refine(
    (run) =>
      run.trainableParams === undefined ||
      run.totalParams === undefined ||
      run.trainableParams <= run.totalParams,
    { path: ["trainableParams"], message: "trainableParams: must be at most totalParams" },
  );
export type StartExternalRunInput = z.infer<typeof StartExternalRunInput>;

export const LogExternalMetricsInput = z.object({
  points: z
    .array(
      MetricPoint.extend({
        step: boundedNumber({ min: 0, max: EXTERNAL_LIMITS.maxStep, int: true }).describe(
          "The epoch (1-based; 0 for a value before training).",
        ),
      }),
    )
    .min(1, "points: send at least one point")
    .max(MAX_POINTS_PER_REPORT, `points: at most ${MAX_POINTS_PER_REPORT} per request`),
});
export type LogExternalMetricsInput = z.infer<typeof LogExternalMetricsInput>;

const classIndex = z.number().int("must be a whole number").min(0, "must be 0 or more");

export const FinishExternalRunInput = z
  .object({
    testAccuracy: boundedNumber({ min: 0, max: 1 }),
    testLoss: z.number().finite().optional(),
    /** Absent: the epoch of the best val/accuracy reported, else the last epoch. */
    bestEpoch: boundedNumber({ min: 0, max: EXTERNAL_LIMITS.maxStep, int: true }).optional(),
    /** Absent: the time from the run's start to this report. */
    wallTimeMs: boundedNumber({ min: 0, max: 1e12 }).optional(),
    classNames: z
      .array(text("classNames", 200))
      .max(EXTERNAL_LIMITS.maxClasses, `classNames: at most ${EXTERNAL_LIMITS.maxClasses}`)
      .optional(),
    /** True class index of each test image; with `predicted`, the confusion matrix is derived. */
    labels: z
      .array(classIndex)
      .max(EXTERNAL_LIMITS.maxPredictions, `labels: at most ${EXTERNAL_LIMITS.maxPredictions}`)
      .optional(),
    predicted: z
      .array(classIndex)
      .max(EXTERNAL_LIMITS.maxPredictions, `predicted: at most ${EXTERNAL_LIMITS.maxPredictions}`)
      .optional(),
    confidences: z
      .array(boundedNumber({ min: 0, max: 1 }))
      .max(EXTERNAL_LIMITS.maxPredictions, `confidences: at most ${EXTERNAL_LIMITS.maxPredictions}`)
      .optional(),
    /** rows true class, columns predicted; only when no predictions are given. */
    confusionMatrix: z
      .array(z.array(classIndex).max(EXTERNAL_LIMITS.maxClasses))
      .max(
        EXTERNAL_LIMITS.maxClasses,
        `confusionMatrix: at most ${EXTERNAL_LIMITS.maxClasses} rows`,
      )
      .optional(),
  })
  .superRefine((input, ctx) => {
    const issue = (path: string, message: string) =>
      ctx.addIssue({ code: "custom", path: [path], message: `${path}: ${message}` });
    if ((input.labels === undefined) !== (input.predicted === undefined))
      issue(input.labels ? "predicted" : "labels", "labels and predicted go together");
    if (input.labels && input.predicted && input.labels.length !== input.predicted.length)
      issue(
        "predicted",
        `has ${input.predicted.length} entries but labels has ${input.labels.length}`,
      );
    // The comparison's statistics read both: McNemar the predictions, the t-test the accuracies.
    if (input.labels && input.predicted && input.labels.length === input.predicted.length) {
      const n = input.labels.length;
      const accuracy = predictionsAccuracy({ labels: input.labels, predicted: input.predicted });
      // Within half an image: a float32 mean (a framework's accuracy) still names the same count,
      // and the run then stores the predictions' own accuracy.
      if (n > 0 && Math.abs(accuracy - input.testAccuracy) >= 0.5 / n)
        issue(
          "testAccuracy",
          `is ${input.testAccuracy} but the predictions given are ${Math.round(accuracy * n)} of ${n} right (${accuracy}): report the accuracy of the same test images`,
        );
    }
    if (input.confidences && input.confidences.length !== input.labels?.length)
      issue("confidences", "needs labels and predicted of the same length");
    if (input.labels && input.confusionMatrix)
      issue("confusionMatrix", "give predictions or a confusion matrix, not both");
    const classes =
      input.classNames?.length ??
      (input.confusionMatrix
        ? input.confusionMatrix.length
        : Math.max(-1, ...(input.labels ?? []), ...(input.predicted ?? [])) + 1);
    if (input.classNames && input.classNames.length < 2 && (input.labels || input.confusionMatrix))
      issue("classNames", "needs at least 2 classes");
    for (const field of ["labels", "predicted"] as const) {
      const bad = input[field]?.find((k) => k >= classes);
      if (bad !== undefined) issue(field, `class ${bad} is beyond the ${classes} classNames`);
    }
    if (input.confusionMatrix?.some((row) => row.length !== classes))
      issue(
        "confusionMatrix",
        `must be square, ${classes} × ${classes} (one row and column per class)`,
      );
    if (classes > EXTERNAL_LIMITS.maxClasses)
      issue("labels", `at most ${EXTERNAL_LIMITS.maxClasses} classes`);
  });
export type FinishExternalRunInput = z.infer<typeof FinishExternalRunInput>;

export const FailExternalRunInput = z.object({
  reason: requiredText("reason", 4000),
});

/**
 * Per-image test predictions as a client reports them, in the shape GET /api/runs/<id>/predictions
 * answers for every run (RunPredictionsService reads these for client-reported runs).
 */
export const ReportedPredictions = z.object({
  classNames: z.array(z.string()),
  predictions: z.array(
    z.object({
      index: z.number().int().min(0),
      label: z.number().int().min(0),
      predicted: z.number().int().min(0),
      confidence: z.number().min(0).max(1).nullable(),
    }),
  ),
});
export type ReportedPredictions = z.infer<typeof ReportedPredictions>;

/** List queries of the read side. */
export const ListQuery = z.object({
  limit: z.coerce
    .number({ error: "limit: must be a whole number from 1 to 200" })
    .int("limit: must be a whole number from 1 to 200")
    .min(1, "limit: must be a whole number from 1 to 200")
    .max(200, "limit: must be a whole number from 1 to 200")
    .default(50),
  cursor: z.string().max(64, "cursor: at most 64 characters").optional(),
  search: z.string().max(200, "search: at most 200 characters").optional(),
});
