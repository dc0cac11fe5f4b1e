import type { SessionUser } from "@tlab/core/access";
import { datasetDataPath } from "@tlab/core/catalog-input";
import { StoredTrainingOptions, type TrainingOptions } from "@tlab/core/experiment";
import { DEFAULT_LEASE_MS, leaseExpiry } from "@tlab/core/lease";
import { DomainError } from "@tlab/core/errors";
import {
  MAX_METRIC_SERIES_PER_RUN,
  METRIC,
  type FinalMetrics,
  type MetricPoint,
  type RunSpec,
  type WorkerInfo,
} from "@tlab/core/run";
import type { WorkerDto } from "@tlab/core/dto";
import type { CatalogRepository } from "@tlab/db/repositories/catalog-repository";
import type { MetricRepository } from "@tlab/db/repositories/metric-repository";
import type { HeldRunFile, RunRepository } from "@tlab/db/repositories/run-repository";

/** What a worker asks to download; route handlers name it through this service. */
export type { HeldRunFile };
import type { WorkerRepository } from "@tlab/db/repositories/worker-repository";

export interface RunServiceOptions {
  leaseMs?: number;
  now?: () => Date;
}

/** Written last by the worker after each epoch, so its presence means a complete checkpoint. */
export const CHECKPOINT_HEADER_FILE = "checkpoint.json";

/** The run lifecycle: QUEUED → RUNNING → SUCCEEDED | FAILED | CANCELED, driven by workers over HTTP. */
export class RunService {
  private readonly leaseMs: number;
  private readonly now: () => Date;

  constructor(
    private readonly runs: RunRepository,
    private readonly metrics: MetricRepository,
    private readonly workers: WorkerRepository,
    private readonly catalog: CatalogRepository,
    options: RunServiceOptions = {},
  ) {
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.now = options.now ?? (() => new Date());
  }

  /** `credential` (core's workerCredential) is the only one that may act as the new worker. */
  registerWorker(credential: string, info: WorkerInfo): Promise<WorkerDto> {
    return this.workers.register(info, credential, this.now());
  }

  /**
   * Every worker procedure starts here: worker ids are visible to every viewer, so an id alone
   * proves nothing; the caller must hold the credential that registered it.
   */
  async assertActsAs(credential: string, workerId: string): Promise<void> {
    const registeredWith = await this.workers.credentialOf(workerId);
    if (registeredWith === undefined)
      throw new DomainError("NOT_FOUND", `workerId: no worker "${workerId}"; register first`);
    if (registeredWith !== credential) {
      throw new DomainError(
        "FORBIDDEN",
        `workerId: worker "${workerId}" was registered with another token; a worker token may act only as the workers it registered (register again to get an id of your own)`,
      );
    }
  }

  async byId(runId: string) {
    const run = await this.runs.byId(runId);
    if (!run) throw new DomainError("NOT_FOUND", `runId: no run "${runId}"`);
    return run;
  }

  /** Throws NOT_FOUND for an unknown run: what the per-run HTTP reads check first. */
  async assertExists(runId: string): Promise<void> {
    if (!(await this.runs.summaryById(runId)))
      throw new DomainError("NOT_FOUND", `runId: no run "${runId}"`);
  }

  /** Whether a worker token may download this: the artifacts, base model or dataset of a run one of its workers holds. */
  mayWorkerRead(credential: string, what: HeldRunFile): Promise<boolean> {
    return this.runs.heldWith(credential, what);
  }

  /**
   * The next queued run for this worker, or with `reclaim` (a retried claim whose earlier reply
   * may have been lost) the run it already holds, its lease renewed and its attempt unchanged.
   */
  async claim(
    credential: string,
    workerId: string,
    opts: { reclaim?: boolean } = {},
  ): Promise<RunSpec | null> {
    await this.assertActsAs(credential, workerId);
    const worker = await this.workers.byId(workerId);
    if (!worker)
      throw new DomainError("NOT_FOUND", `workerId: no worker "${workerId}"; register first`);
    const now = this.now();
    await this.workers.touch(workerId, now);
    const leaseExpiresAt = leaseExpiry(now, this.leaseMs);
    const claimed =
      (opts.reclaim ? await this.runs.reclaimHeld(workerId, leaseExpiresAt) : null) ??
      (await this.runs.claimNext(workerId, now, leaseExpiresAt, worker.backend));
    if (!claimed) return null;
    const { run, experiment } = claimed;
    const [baseModel, dataset] = await Promise.all([
      experiment.baseModelId ? this.catalog.baseModelById(experiment.baseModelId) : null,
      experiment.datasetId ? this.catalog.datasetById(experiment.datasetId) : null,
    ]);
    if (!baseModel || !dataset)
      throw new DomainError("NOT_FOUND", `run ${run.id}: its base model or dataset is gone`);
    return {
      runId: run.id,
      experimentId: experiment.id,
      attempt: run.attempt,
      seed: run.seed,
      strategy: run.config,
      epochs: experiment.epochs,
      batchSize: experiment.batchSize,
      trainPerClass: run.trainPerClass ?? experiment.trainPerClass,
      validationFraction: experiment.validationFraction,
      testPerClass: experiment.testPerClass,
      training: parseTrainingOptions(experiment.training),
      resumeFromCheckpoint:
        run.attempt > 1 && (await this.runs.artifact(run.id, CHECKPOINT_HEADER_FILE)) !== null,
      leaseMs: this.leaseMs,
      baseModel: {
        id: baseModel.id,
        name: baseModel.name,
        inputShape: baseModel.inputShape,
        layers: baseModel.layers,
        modelPath: `/api/base-models/${encodeURIComponent(baseModel.name)}/model.json`,
      },
      dataset: {
        id: dataset.id,
        name: dataset.name,
        spec: dataset.spec,
        classNames: dataset.classNames,
        ...(dataset.spec.source === "upload" ? { dataPath: datasetDataPath(dataset.name) } : {}),
      },
    };
  }

  async heartbeat(
    credential: string,
    workerId: string,
    runId: string,
    progress?: number,
  ): Promise<{ cancelRequested: boolean }> {
    await this.assertActsAs(credential, workerId);
    const now = this.now();
    await this.workers.touch(workerId, now);
    const held = await this.runs.extendLease(runId, workerId, leaseExpiry(now, this.leaseMs));
    if (!held)
      throw new DomainError(
        "RUN_NOT_CLAIMED_BY_WORKER",
        `run ${runId} is not held by worker ${workerId}`,
      );
    if (progress !== undefined) await this.runs.raiseProgress(runId, workerId, progress);
    return held;
  }

  /**
   * Stores the points and, when given, the progress they were measured at (so the bar moves at each
   * epoch). Answers `cancelRequested` like the heartbeat: the worker reports after every epoch, so a
   * cancel reaches it within an epoch instead of waiting up to half a lease for the next beat.
   */
  async reportMetrics(
    credential: string,
    workerId: string,
    runId: string,
    points: MetricPoint[],
    progress?: number,
  ): Promise<{ accepted: number; cancelRequested: boolean }> {
    const holder = await this.assertHolds(credential, workerId, runId);
    await this.assertStorable(runId, points);
    const accepted = await this.metrics.upsertPoints(runId, points);
    if (progress !== undefined) await this.runs.raiseProgress(runId, workerId, progress);
    return { accepted, cancelRequested: holder.cancelRequested };
  }

  /**
   * Ends the run SUCCEEDED even when a cancel was requested meanwhile: the worker only calls this
   * once training has finished and the model is uploaded, so the work a cancel would have saved is
   * already done and its result is kept. A cancel that reaches the worker before its last epoch
   * ends stops training, and the run ends CANCELED through `fail`.
   */
  async complete(
    credential: string,
    workerId: string,
    runId: string,
    metrics: FinalMetrics,
  ): Promise<void> {
    await this.assertActsAs(credential, workerId);
    // Wall time is the run's training time over all its attempts: the reporting attempt's own,
    // plus the epochs earlier attempts trained and it resumed from, as they reported them.
    const earlierSeconds = metrics.resumedFromEpoch
      ? await this.metrics.sumUpToStep(runId, METRIC.epochSeconds, metrics.resumedFromEpoch)
      : 0;
    const total = { ...metrics, wallTimeMs: metrics.wallTimeMs + earlierSeconds * 1000 };
    const ok = await this.runs.finish(runId, workerId, this.now(), {
      status: "SUCCEEDED",
      metrics: total,
    });
    if (!ok)
      throw new DomainError(
        "RUN_NOT_CLAIMED_BY_WORKER",
        `run ${runId} is not held by worker ${workerId}`,
      );
  }

  async fail(
    credential: string,
    workerId: string,
    runId: string,
    reason: string,
    canceled: boolean,
  ): Promise<void> {
    await this.assertActsAs(credential, workerId);
    const status = canceled ? "CANCELED" : "FAILED";
    const ok = await this.runs.finish(runId, workerId, this.now(), { status, reason });
    if (!ok)
      throw new DomainError(
        "RUN_NOT_CLAIMED_BY_WORKER",
        `run ${runId} is not held by worker ${workerId}`,
      );
  }

  /** A worker shutting down gives its run back; the next claim resumes it from its last checkpoint. */
  async release(
    credential: string,
    workerId: string,
    runId: string,
    reason: string,
  ): Promise<void> {
    await this.assertActsAs(credential, workerId);
    const ok = await this.runs.release(runId, workerId, reason, this.now());
    if (!ok)
      throw new DomainError(
        "RUN_NOT_CLAIMED_BY_WORKER",
        `run ${runId} is not held by worker ${workerId}`,
      );
  }

  /** `by` is recorded as who asked (null: no user did). */
  async cancel(runId: string, by: SessionUser | null): Promise<{ status: string }> {
    const status = await this.runs.requestCancel(runId, this.now(), by?.id ?? null);
    if (!status) throw new DomainError("NOT_FOUND", `runId: no run "${runId}"`);
    return { status };
  }

  /**
   * Puts runs whose lease expired back in the queue, or fails them once they used all attempts.
   * Called periodically by the web process; the worker never decides its own lease is still valid.
   */
  async sweepExpiredLeases(): Promise<{ requeued: number; failed: number }> {
    const now = this.now();
    let requeued = 0;
    let failed = 0;
    for (const run of await this.runs.expiredLeases(now)) {
      const giveUp = run.attempt >= run.maxAttempts;
      const reason = giveUp
        ? `lease expired on attempt ${run.attempt} of ${run.maxAttempts} (worker ${run.workerId ?? "?"} stopped heartbeating)`
        : `lease expired on attempt ${run.attempt} (worker ${run.workerId ?? "?"} stopped heartbeating); requeued`;
      if (await this.runs.requeueExpired(run, now, reason, giveUp)) {
        if (giveUp) failed += 1;
        else requeued += 1;
      }
    }
    return { requeued, failed };
  }

  /**
   * A report is stored whole or refused whole (400, naming the bound), so a worker never retries a
   * report that cannot succeed: steps are epochs within the run's budget, and a run has at most
   * MAX_METRIC_SERIES_PER_RUN series.
   */
  private async assertStorable(runId: string, points: readonly MetricPoint[]): Promise<void> {
    const epochs = await this.runs.epochBudget(runId);
    if (epochs === null) throw new DomainError("NOT_FOUND", `runId: no run "${runId}"`);
    const late = points.find((point) => point.step > epochs);
    if (late) {
      throw new DomainError(
        "INVALID_INPUT",
        `points: step ${late.step} of "${late.name}" is beyond the run's budget of ${epochs} epochs; steps are epochs, 0 to ${epochs}`,
      );
    }
    const existing = new Set(await this.metrics.seriesNames(runId));
    const added = new Set(points.map((point) => point.name).filter((name) => !existing.has(name)));
    if (existing.size + added.size > MAX_METRIC_SERIES_PER_RUN) {
      throw new DomainError(
        "INVALID_INPUT",
        `points: a run keeps at most ${MAX_METRIC_SERIES_PER_RUN} metric series; this run has ${existing.size} and the report adds ${added.size} new names`,
      );
    }
  }

  async assertHolds(
    credential: string,
    workerId: string,
    runId: string,
  ): Promise<{ cancelRequested: boolean }> {
    await this.assertActsAs(credential, workerId);
    const holder = await this.runs.holder(runId);
    if (!holder) throw new DomainError("NOT_FOUND", `runId: no run "${runId}"`);
    if (holder.status !== "RUNNING" || holder.workerId !== workerId) {
      throw new DomainError(
        "RUN_NOT_CLAIMED_BY_WORKER",
        `run ${runId} is not held by worker ${workerId}`,
      );
    }
    return { cancelRequested: holder.cancelRequested };
  }
}

/** Experiments created before training options existed store "{}": every option takes its default. */
function parseTrainingOptions(text: string): TrainingOptions {
  return StoredTrainingOptions.parse(JSON.parse(text));
}
