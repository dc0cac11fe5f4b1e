import { z } from "zod";
import type { StrategyConfig } from "./strategy";
import type { LayerInfo } from "./layer-plan";
import type { TrainingOptions } from "./experiment";

export const RunStatus = z.enum(["QUEUED", "RUNNING", "SUCCEEDED", "FAILED", "CANCELED"]);
export type RunStatus = z.infer<typeof RunStatus>;
export const TERMINAL_STATUSES: readonly RunStatus[] = ["SUCCEEDED", "FAILED", "CANCELED"];

export const TrainingBackend = z.enum(["tensorflow-gpu", "tensorflow", "wasm", "cpu"]);
export type TrainingBackend = z.infer<typeof TrainingBackend>;

/** Metric names the trainer streams; `step` is the 1-based epoch for these. */
export const METRIC = {
  trainLoss: "train/loss",
  trainAccuracy: "train/accuracy",
  valLoss: "val/loss",
  valAccuracy: "val/accuracy",
  epochSeconds: "epoch/seconds",
} as const;

/** The learning rate of the head in each epoch, streamed next to the METRIC points. */
export const LEARNING_RATE_METRIC = "train/learning_rate";

/**
 * Bounds on what a run's metric reports may store, so no report the API accepts can make a read of
 * the run too large (the dashboard, comparisons and exports read every series). The trainer
 * reports six series, one point per epoch.
 */
export const MAX_METRIC_SERIES_PER_RUN = 100;
export const MAX_POINTS_PER_REPORT = 10_000;

export const MetricPoint = z.object({
  name: z
    .string()
    .min(1, "name: required")
    .max(100, "name: metric names are at most 100 characters"),
  // Steps are epochs (checked against the run's budget when stored); this bound keeps any step
  // inside PostgreSQL's integer column.
  step: z
    .number()
    .int("step: must be a whole number")
    .min(0, "step: must be 0 or more")
    .max(2_147_483_647, "step: must be at most 2147483647"),
  value: z.number().finite(),
});
export type MetricPoint = z.infer<typeof MetricPoint>;

/** Images per class of one split of an uploaded dataset, in label order. */
export const ClassCounts = z.array(z.number().int().min(0));

/**
 * Where a run's data comes from. Built-in MNIST selects a subset of digit classes. An uploaded
 * dataset is one packed file on the server (see dataset-pack.ts), identified by its sha256;
 * `imageShape` is the stored [height, width, channels], converted to the base model's input when
 * a run loads it.
 */
export const DatasetSpec = z.discriminatedUnion("source", [
  z.object({ source: z.literal("mnist"), classes: z.array(z.number().int().min(0).max(9)).min(2) }),
  z.object({
    source: z.literal("upload"),
    format: z.enum(["imagefolder", "idx"]),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    sizeBytes: z.number().int().min(0),
    imageShape: z.tuple([
      z.number().int().min(1),
      z.number().int().min(1),
      z.union([z.literal(1), z.literal(3)]),
    ]),
    numClasses: z.number().int().min(2),
    counts: z.object({ train: ClassCounts, test: ClassCounts.optional() }),
    hasTestSplit: z.boolean(),
  }),
]);
export type DatasetSpec = z.infer<typeof DatasetSpec>;
export type UploadedDatasetSpec = Extract<DatasetSpec, { source: "upload" }>;

export const PerClassMetrics = z.object({
  className: z.string(),
  precision: z.number(),
  recall: z.number(),
  f1: z.number(),
  support: z.number().int(),
});

export const FinalMetrics = z.object({
  testAccuracy: z.number().min(0).max(1),
  /** Absent only for a run reported by a client that did not report it. */
  testLoss: z.number().optional(),
  confusionMatrix: z.array(z.array(z.number().int().min(0))),
  classNames: z.array(z.string()),
  perClass: z.array(PerClassMetrics),
  bestEpoch: z.number().int().min(0),
  epochsRun: z.number().int().min(0),
  trainableParams: z.number().int().min(0),
  totalParams: z.number().int().min(0),
  /**
   * Training time of the run, summed over its attempts: the reporting attempt's own (its time
   * waiting for the API excluded) plus the epochs earlier attempts trained that it resumed from.
   */
  wallTimeMs: z.number().min(0),
  /** Time the reporting attempt waited for the API while training (an outage, a slow server): shown apart, not counted as cost. */
  apiWaitMs: z.number().min(0).optional(),
  /** The checkpoint epoch the reporting attempt resumed from (0 or absent: it trained from the start). */
  resumedFromEpoch: z.number().int().min(0).optional(),
  /** Absent for a run reported by a client (its training throughput is not known here). */
  trainImagesPerSec: z.number().min(0).optional(),
  /** Absent for a run reported by a client. Most tensor memory the run held at once (base weights, data, head, optimizer state, a step's activations); not the worker process's size. */
  peakMemoryBytes: z.number().min(0).optional(),
  /**
   * Images per forward/backward pass when the batch did not fit the backend's memory at once: the
   * gradients of a batch's micro-batches are summed and applied once, so the effective batch is
   * still the experiment's batchSize. Equal to batchSize when the batch fit; absent on older runs.
   */
  microBatch: z.number().int().min(1).optional(),
});
export type FinalMetrics = z.infer<typeof FinalMetrics>;

/** Ids the server hands out (cuid-like); anything longer is not one of ours. */
const id = (field: string) =>
  z.string().min(1, `${field}: required`).max(64, `${field}: at most 64 characters`);

export const RunId = z.object({ runId: id("runId") });

export const WorkerInfo = z.object({
  name: z.string().min(1, "name: required").max(200, "name: at most 200 characters"),
  hostname: z.string().max(200, "hostname: at most 200 characters"),
  backend: TrainingBackend,
  device: z.string().max(200),
  versions: z
    .record(
      z.string().max(100, "versions: keys are at most 100 characters"),
      z.string().max(200, "versions: values are at most 200 characters"),
    )
    .default({}),
});
export type WorkerInfo = z.infer<typeof WorkerInfo>;

export const ClaimInput = z.object({
  workerId: id("workerId"),
  /**
   * Set on a retried claim: the previous call may have been granted with its reply lost (the web
   * server went down in between). The server then hands back the run this worker holds, if any,
   * instead of a second one, so that run is not left to wait out its lease.
   */
  reclaim: z.boolean().optional(),
});
export const HeartbeatInput = z.object({
  workerId: id("workerId"),
  runId: id("runId"),
  /** Progress within the run, 0..1, shown as a bar in the dashboard. */
  progress: z.number().min(0).max(1).optional(),
});
/** Answered `{ accepted, cancelRequested }`: like a heartbeat, each epoch's report tells the worker of a pending cancel. */
export const ReportMetricsInput = z.object({
  workerId: id("workerId"),
  runId: id("runId"),
  points: z
    .array(MetricPoint)
    .min(1, "points: send at least one point")
    .max(
      MAX_POINTS_PER_REPORT,
      `points: at most ${MAX_POINTS_PER_REPORT} per report; send the rest in further reports`,
    ),
  /** Progress within the run, 0..1, when the points were sent: the dashboard's bar follows each epoch, not just heartbeats. */
  progress: z.number().min(0).max(1).optional(),
});
export const CompleteRunInput = z.object({
  workerId: id("workerId"),
  runId: id("runId"),
  metrics: FinalMetrics,
});
export const FailRunInput = z.object({
  workerId: id("workerId"),
  runId: id("runId"),
  reason: z.string().min(1, "reason: required").max(4000, "reason: at most 4000 characters"),
  /** True when the worker stopped because cancellation was requested. */
  canceled: z.boolean().default(false),
});

/** A worker giving a run back to the queue (it is shutting down); the attempt is not counted as failed. */
export const ReleaseRunInput = z.object({
  workerId: id("workerId"),
  runId: id("runId"),
  reason: z.string().min(1, "reason: required").max(4000, "reason: at most 4000 characters"),
});

/** Everything a worker needs to train a run, handed out with the claim. */
export interface RunSpec {
  runId: string;
  experimentId: string;
  attempt: number;
  seed: number;
  strategy: StrategyConfig;
  epochs: number;
  batchSize: number;
  trainPerClass: number;
  validationFraction: number;
  testPerClass: number;
  training: TrainingOptions;
  /**
   * True when an earlier attempt left an epoch checkpoint (artifacts checkpoint.json and
   * checkpoint.bin): the worker continues from it instead of starting over.
   */
  resumeFromCheckpoint?: boolean;
  leaseMs: number;
  baseModel: {
    id: string;
    name: string;
    inputShape: number[];
    layers: LayerInfo[];
    /** URL path (relative to the API) of the tfjs model.json; weights sit beside it. */
    modelPath: string;
  };
  dataset: {
    id: string;
    name: string;
    spec: DatasetSpec;
    classNames: string[];
    /** URL path (relative to the API) of the packed dataset file; set for uploaded datasets. */
    dataPath?: string;
  };
}
