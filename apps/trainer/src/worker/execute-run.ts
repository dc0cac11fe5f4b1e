import { downloadCheckpoint, uploadCheckpoint } from "./run-checkpoint-transfer";
import path from "node:path";
import type { FinalMetrics, RunSpec } from "@tlab/core/run";
import { PREDICTIONS_FILE } from "@tlab/core/run-predictions";
import { TEST_THUMBNAILS_FILE } from "@tlab/core/test-thumbnails";
import type { Logger } from "../logger";
import { loadModelFromFiles } from "../model/load-model-files";
import { MODEL_JSON_FILE, modelArtifactsToFiles, WEIGHTS_FILE } from "../model/model-files";
import type { tf } from "../tf/backend";
import { describeTrainingFailure, formatBytes } from "../train/backend-failure";
import { trainRun, type MicroBatchEvent } from "../train/train-run";
import { isRunNoLongerHeld, isTransientApiError, type ApiClient } from "./api-client";
import { uploadArtifact } from "./artifact-upload";
import { ApiWaitClock, attemptFinalMetrics } from "./attempt-time";
import { fetchBaseModel } from "./base-model-cache";
import { fetchDataset } from "./dataset-cache";
import { startHeartbeat } from "./heartbeat";
import { MetricBuffer } from "./metric-buffer";
import { createRunCallRetry, type RunCallRetry } from "./run-call-retry";
import { RunLogBuffer } from "./run-log-buffer";
import { createRunLogger, type RunLogger } from "./run-logger";

export interface ExecuteRunDeps {
  api: ApiClient;
  apiUrl: string;
  token: string | undefined;
  workerId: string;
  cacheDir: string;
  /** Bound on the on-disk feature cache (frozen features, partial's frozen bottom). */
  featureCacheMaxBytes?: number;
  /** TLAB_DEVICE_MEMORY_MB in bytes: what a run's micro-batch plan may fill instead of the backend's own limit. */
  deviceMemoryBytes?: number;
  log: Logger;
  /** The tfjs backend this worker trains on, named at the top of each run's log. */
  backend?: { backend: string; device: string };
  /** How often lines logged about the run are sent while it trains (they are also sent at each epoch and at the end). */
  logFlushIntervalMs?: number;
  /** Aborted when the worker shuts down (SIGTERM/SIGINT): the run is given back to the queue. */
  shutdown: AbortSignal;
  /** Called after every training step; the fault-injection test hook counts steps with it. */
  afterTrainingStep?: () => void;
}

/** RELEASED: given back on shutdown. LOST: taken back by the server (lease expired), nothing to report. */
export type RunOutcome = "SUCCEEDED" | "FAILED" | "CANCELED" | "RELEASED" | "LOST";

const LOG_FLUSH_INTERVAL_MS = 2_000;

/**
 * Trains one claimed run and reports it to the API: metrics after each epoch, the trained model
 * as artifacts, then complete, or fail with a readable reason. Never throws for a training
 * failure: the worker survives to take the next run.
 */
export async function executeRun(spec: RunSpec, deps: ExecuteRunDeps): Promise<RunOutcome> {
  const { api, workerId, log } = deps;
  // What is logged about the run also goes to the run's log on the server, keyed by this attempt.
  const logs = new RunLogBuffer((lines) =>
    retrying("run log upload", () =>
      api.run.appendLog
        .mutate({ workerId, runId: spec.runId, attempt: spec.attempt, lines })
        .then(() => undefined),
    ),
  );
  const runLog = createRunLogger(
    log,
    { runId: spec.runId, strategy: spec.strategy.kind, seed: spec.seed, attempt: spec.attempt },
    (level, message) => logs.add(level, message),
  );
  let periodicFlush: Promise<void> | undefined;
  const logFlushTimer = setInterval(() => {
    periodicFlush ??= logs
      .flush()
      .catch(() => undefined) // the lines stay buffered for the next flush
      .finally(() => (periodicFlush = undefined));
  }, deps.logFlushIntervalMs ?? LOG_FLUSH_INTERVAL_MS);
  // Sent before the final report: once the run is finished or released, the API refuses its lines.
  // A log that cannot be delivered costs the log, never the run's result.
  const closeLog = () =>
    logs
      .close()
      .catch((e: unknown) =>
        log.warn(
          { runId: spec.runId, err: String(e) },
          "could not upload the rest of the run's log",
        ),
      );
  const controller = new AbortController();
  let cancelRequested = false;
  let lost = false;
  // Set just before the run's outcome is sent: a beat refused from then on is refused because the
  // server has the outcome, not because it took the run away (the outcome call says if it did).
  let reporting = false;
  const onShutdown = () => controller.abort(new Error("worker shut down"));
  deps.shutdown.addEventListener("abort", onShutdown, { once: true });

  // Retried through an API outage (see createRunCallRetry); storage failures are logged and bounded.
  const retrying = createRunCallRetry(runLog, { leaseMs: spec.leaseMs });

  // The heartbeat and each epoch's metric report both answer cancelRequested; whichever comes first
  // stops training, the other finds it already stopping.
  const onCancelRequested = (learnedFrom: string) => {
    if (cancelRequested) return;
    cancelRequested = true;
    runLog.info(
      `cancellation requested; stopping after the current batch (learned from the ${learnedFrom})`,
    );
    controller.abort(new Error("canceled"));
  };
  let progress = 0;
  const heartbeat = startHeartbeat({
    leaseMs: spec.leaseMs,
    beat: () => api.worker.heartbeat.mutate({ workerId, runId: spec.runId, progress }),
    onCancelRequested: () => onCancelRequested("heartbeat"),
    onError: (error) => {
      if (reporting) return;
      if (!isRunNoLongerHeld(error)) return runLog.warn({ err: String(error) }, "heartbeat failed");
      // The server requeued the run (this worker missed its lease: a pause, a partition); its next
      // holder continues from the last checkpoint, so training on here would only waste the device.
      if (!lost)
        runLog.warn(
          { err: String(error) },
          "the server took the run back (lease expired); stopping after the current batch",
        );
      lost = true;
      controller.abort(new Error("the server took the run back"));
    },
  });
  // Each epoch's points carry the progress at sending, so the dashboard's bar follows every epoch
  // rather than waiting for the next heartbeat (half a lease, 30 s by default); the answer carries
  // cancelRequested, so a cancel stops the run after the epoch it arrived in. A report after
  // training has finished changes nothing: the run then completes (see RunService.complete).
  const metrics = new MetricBuffer((points) =>
    retrying("metrics upload", () =>
      api.worker.reportMetrics.mutate({ workerId, runId: spec.runId, points, progress }),
    ).then((answer) => {
      if (answer.cancelRequested) onCancelRequested("metrics report");
    }),
  );

  try {
    runLog.info(
      { baseModel: spec.baseModel.name, dataset: spec.dataset.name, epochs: spec.epochs },
      `run started (attempt ${spec.attempt})`,
    );
    if (deps.backend)
      runLog.info({ device: deps.backend.device }, `backend ${deps.backend.backend}`);
    const files = await fetchBaseModel(deps.apiUrl, deps.cacheDir, spec.baseModel, deps.token);
    runLog.info(
      {
        weightFiles: Object.keys(files.weightFiles).length,
        bytes: Object.values(files.weightFiles).reduce((sum, f) => sum + f.byteLength, 0),
      },
      `base model "${spec.baseModel.name}" ready`,
    );
    const datasetFile =
      spec.dataset.spec.source === "upload"
        ? await retrying("dataset download", () =>
            fetchDataset({
              apiUrl: deps.apiUrl,
              cacheDir: deps.cacheDir,
              token: deps.token,
              dataset: spec.dataset,
            }),
          )
        : undefined;
    if (spec.dataset.spec.source === "upload") {
      runLog.info(
        { sha256: spec.dataset.spec.sha256.slice(0, 12), bytes: spec.dataset.spec.sizeBytes },
        `dataset "${spec.dataset.name}" ready (checksum verified)`,
      );
    } else {
      runLog.info(
        { classes: spec.dataset.spec.classes.join(",") },
        `dataset "${spec.dataset.name}" (built-in MNIST)`,
      );
    }
    // trainRun updates the base's weights in place for partial/full: load it fresh for every run.
    // A checkpoint that cannot be used costs the epochs it held, not the run: train from the start
    // (each step's points are then written again, still once per step).
    const resume = spec.resumeFromCheckpoint
      ? await retrying("checkpoint download", () =>
          downloadCheckpoint(deps.apiUrl, spec.runId, deps.token),
        ).catch((error: unknown) => {
          if (isTransientApiError(error)) throw error;
          runLog.warn(
            { err: describeFailure(error) },
            "the earlier attempt's checkpoint cannot be used; training from the first epoch",
          );
          return undefined;
        })
      : undefined;
    if (resume)
      runLog.info({ epoch: resume.epoch }, "resuming from the checkpoint of an earlier attempt");
    const apiWait = new ApiWaitClock();
    const baseModel = await loadModelFromFiles(files.modelJsonText, files.weightFiles).catch(
      (error: unknown) => {
        throw new Error(
          `base model "${spec.baseModel.name}" could not be loaded: ${describeFailure(error)}`,
          { cause: error },
        );
      },
    );
    const result = await trainRun(spec, {
      baseModel,
      datasetFile,
      cacheDir: path.join(deps.cacheDir, "features"),
      cacheMaxBytes: deps.featureCacheMaxBytes,
      onFeatures: (event) => runLog.info(event, "features"),
      memoryLimitBytes: deps.deviceMemoryBytes,
      onMicroBatch: (event) => logMicroBatch(runLog, event),
      signal: controller.signal,
      onEpoch: async (epoch, points) => {
        metrics.add(points);
        runLog.info(
          Object.fromEntries(points.map((p) => [p.name, Number(p.value.toFixed(4))])),
          `epoch ${epoch}/${spec.epochs}`,
        );
        await apiWait.time(() => metrics.flush());
        await apiWait.time(() => logs.flush()).catch(() => undefined); // kept for the next flush; the epoch's metrics are what must arrive
      },
      onProgress: (fraction) => {
        progress = fraction;
        deps.afterTrainingStep?.();
      },
      resume,
      // After the epoch's metrics: a resumed attempt continues the series from the next step.
      onCheckpoint: (checkpoint) =>
        apiWait.time(() =>
          uploadCheckpoint(checkpoint, (name, body) =>
            uploadArtifact(spec.runId, name, body, deps, retrying),
          ),
        ),
    }).finally(() => baseModel.dispose());
    const { epochsRun, bestEpoch } = result.metrics;
    runLog.info(
      { bestEpoch },
      epochsRun < spec.epochs
        ? `stopped early after epoch ${epochsRun} of ${spec.epochs}`
        : `training finished after ${epochsRun} epochs`,
    );
    await metrics.flush();
    await uploadModel(spec.runId, result.artifacts, deps, retrying);
    // Before complete: a succeeded run always has its per-image evidence on the server.
    await uploadArtifact(spec.runId, PREDICTIONS_FILE, result.predictions, deps, retrying);
    await uploadArtifact(spec.runId, TEST_THUMBNAILS_FILE, result.testThumbnails, deps, retrying);
    runLog.info(
      {
        testAccuracy: Number(result.metrics.testAccuracy.toFixed(4)),
        wallTimeMs: Math.round(result.metrics.wallTimeMs),
      },
      "model uploaded; reporting the run as succeeded",
    );
    await closeLog();
    reporting = true;
    const reported = attemptFinalMetrics(result.metrics, apiWait.ms, resume?.epoch);
    await retrying("complete", () =>
      api.worker.complete.mutate({ workerId, runId: spec.runId, metrics: reported }),
    );
    log.info({ runId: spec.runId }, "run succeeded");
    return "SUCCEEDED";
  } catch (error) {
    if (deps.shutdown.aborted && !cancelRequested) {
      // Shutting down is not the run's fault: give it back so another worker takes it at once
      // instead of waiting for the lease to expire.
      await metrics
        .flush()
        .catch((e: unknown) =>
          runLog.warn({ err: String(e) }, "could not upload remaining metrics"),
        );
      runLog.info("worker shutting down; releasing the run to the queue");
      await closeLog();
      reporting = true;
      await retrying("release", () =>
        api.worker.release.mutate({
          workerId,
          runId: spec.runId,
          reason: "worker shut down; requeued",
        }),
      ).catch((e: unknown) =>
        runLog.error(
          { err: String(e) },
          "could not release the run; its lease will expire and it will be requeued",
        ),
      );
      runLog.info("run released to the queue (worker shutting down)");
      return "RELEASED";
    }
    if (lost || isRunNoLongerHeld(error)) {
      runLog.warn(
        { err: describeFailure(error) },
        "run stopped: it is no longer this worker's (lease expired and it was requeued)",
      );
      return "LOST";
    }
    const canceled = cancelRequested;
    const reason = canceled
      ? "canceled by request"
      : describeTrainingFailure(error, deps.backend?.backend ?? "active");
    if (canceled) runLog.info({ reason }, "run canceled");
    else runLog.error({ reason, ...(error instanceof Error ? { err: error } : {}) }, "run failed");
    // Points already measured are kept even when the run fails or is canceled.
    await metrics
      .flush()
      .catch((e: unknown) => runLog.warn({ err: String(e) }, "could not upload remaining metrics"));
    await closeLog();
    reporting = true;
    await retrying("fail", () =>
      api.worker.fail.mutate({ workerId, runId: spec.runId, reason, canceled }),
    ).catch((e: unknown) =>
      runLog.error(
        { err: String(e) },
        "could not report the failure; the lease will expire and the run will be requeued",
      ),
    );
    return canceled ? "CANCELED" : "FAILED";
  } finally {
    clearInterval(logFlushTimer);
    heartbeat.stop();
    deps.shutdown.removeEventListener("abort", onShutdown);
  }
}

type Retrying = RunCallRetry;

async function uploadModel(
  runId: string,
  artifacts: tf.io.ModelArtifacts,
  deps: ExecuteRunDeps,
  retrying: Retrying,
): Promise<void> {
  const files = modelArtifactsToFiles(artifacts);
  // Weights first, model.json last: a model.json on the server always has its weights beside it.
  await uploadArtifact(runId, WEIGHTS_FILE, files.weights, deps, retrying);
  await uploadArtifact(
    runId,
    MODEL_JSON_FILE,
    new TextEncoder().encode(JSON.stringify(files.modelJson)),
    deps,
    retrying,
  );
}

/** What a run's log says of how its batches are split to fit the backend's memory. */
function logMicroBatch(runLog: RunLogger, event: MicroBatchEvent): void {
  if (event.kind === "lowered") {
    runLog.warn(
      { from: event.from, to: event.to },
      `micro-batch lowered from ${event.from} to ${event.to} images: ${event.reason}`,
    );
    return;
  }
  const { plan } = event;
  const detail = {
    microBatch: plan.microBatch,
    batchSize: plan.batchSize,
    perImage: formatBytes(plan.perImageBytes),
    estimate: formatBytes(plan.estimateBytes),
    available: formatBytes(plan.availableBytes),
  };
  runLog.info(
    detail,
    plan.microBatch === plan.batchSize
      ? `micro-batch ${plan.microBatch}: the whole batch fits in one pass (about ${detail.estimate} of the ${detail.available} ${plan.limit.description} leaves)`
      : `micro-batch ${plan.microBatch} of batch ${plan.batchSize}: ${Math.ceil(plan.batchSize / plan.microBatch)} passes a step, gradients summed (about ${detail.estimate} a pass; ${plan.limit.description} leaves ${detail.available})`,
  );
}

function describeFailure(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

export type { FinalMetrics };
