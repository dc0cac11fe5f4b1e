import type { ArtifactDto, RunDetailDto, RunSummaryDto } from "@tlab/core/dto";
import { ExternalRunSettings } from "@tlab/core/external-run";
import { RunEventKind, type RunLifecycleEventDto } from "@tlab/core/review";
import { FinalMetrics, type RunStatus, type TrainingBackend } from "@tlab/core/run";
import type { Db, DbProvider } from "../client";
import { parseJsonColumn } from "../json";
import { attemptOf, recordRunEvent } from "./run-events";
import { runSummaryInclude, toRunSummary } from "./run-mapper";

export interface ClaimedRunRow {
  run: RunSummaryDto;
  experiment: {
    id: string;
    epochs: number;
    batchSize: number;
    trainPerClass: number;
    validationFraction: number;
    testPerClass: number;
    training: string;
    /** Null only for external experiments, whose runs are never queued, hence never claimed. */
    baseModelId: string | null;
    datasetId: string | null;
  };
}

/**
 * Interactive transactions that record a run's state change with its RunEvent. Each begins with
 * its conditional write, so on SQLite it takes the write lock first (a read first would have to
 * upgrade its lock, and two such transactions fail each other with SQLITE_BUSY instead of waiting).
 */
const EVENT_TX = { maxWait: 10_000, timeout: 10_000 } as const;

interface ClaimData {
  status: "RUNNING";
  workerId: string;
  leaseExpiresAt: Date;
  startedAt: Date;
  backend: TrainingBackend;
  attempt: { increment: number };
  progress: number;
}

/** What a held run may need from the server: its own artifacts, its base model, its dataset. */
export type HeldRunFile = { runId: string } | { baseModelId: string } | { datasetId: string };

/** Runs and their lifecycle columns. State rules live in RunService; this class only queries. */
export class RunRepository {
  constructor(
    private readonly db: Db,
    private readonly provider: DbProvider,
  ) {}

  async byId(id: string): Promise<RunDetailDto | null> {
    const row = await this.db.run.findUnique({
      where: { id },
      include: {
        ...runSummaryInclude,
        experiment: { select: { name: true } },
        artifacts: { orderBy: { createdAt: "asc" } },
        events: {
          select: {
            kind: true,
            attempt: true,
            at: true,
            detail: true,
            worker: { select: { id: true, name: true, hostname: true } },
            actor: { select: { id: true, name: true, email: true } },
          },
          orderBy: [{ at: "asc" }, { id: "asc" }],
        },
      },
    });
    if (!row) return null;
    return {
      ...toRunSummary(row),
      experimentName: row.experiment.name,
      finalMetrics: row.finalMetrics
        ? parseJsonColumn(FinalMetrics, row.finalMetrics, "Run.finalMetrics")
        : null,
      clientSettings: row.clientSettings
        ? parseJsonColumn(ExternalRunSettings, row.clientSettings, "Run.clientSettings")
        : null,
      artifacts: row.artifacts.map(
        (a): ArtifactDto => ({
          id: a.id,
          kind: a.kind,
          fileName: a.fileName,
          sizeBytes: a.sizeBytes,
          createdAt: a.createdAt.toISOString(),
        }),
      ),
      events: row.events.map(
        (e): RunLifecycleEventDto => ({
          kind: RunEventKind.parse(e.kind),
          attempt: e.attempt,
          at: e.at.toISOString(),
          worker: e.worker,
          actor: e.actor,
          detail: e.detail,
        }),
      ),
    };
  }

  async summaryById(id: string): Promise<RunSummaryDto | null> {
    const row = await this.db.run.findUnique({ where: { id }, include: runSummaryInclude });
    return row ? toRunSummary(row) : null;
  }

  /** Claims the oldest queued run for `workerId`: one queued run goes to exactly one claimer. */
  async claimNext(
    workerId: string,
    now: Date,
    leaseExpiresAt: Date,
    backend: TrainingBackend,
  ): Promise<ClaimedRunRow | null> {
    const claim: ClaimData = {
      status: "RUNNING",
      workerId,
      leaseExpiresAt,
      startedAt: now,
      backend,
      attempt: { increment: 1 },
      progress: 0,
    };
    const runId =
      this.provider === "postgresql"
        ? await this.claimLocked(workerId, now, claim)
        : await this.claimConditionally(workerId, now, claim);
    if (!runId) return null;
    return this.claimedRun(runId);
  }

  /**
   * The run this worker holds (RUNNING under its id) with its lease renewed, for a claim retried
   * after its reply was lost; null when it holds none (the sweeper may have requeued it already).
   */
  async reclaimHeld(workerId: string, leaseExpiresAt: Date): Promise<ClaimedRunRow | null> {
    const held = await this.db.run.findFirst({
      where: { workerId, status: "RUNNING" },
      orderBy: { startedAt: "desc" },
      select: { id: true },
    });
    if (!held) return null;
    const renewed = await this.db.run.updateMany({
      where: { id: held.id, workerId, status: "RUNNING" },
      data: { leaseExpiresAt },
    });
    return renewed.count === 1 ? this.claimedRun(held.id) : null;
  }

  private async claimedRun(runId: string): Promise<ClaimedRunRow> {
    const row = await this.db.run.findUniqueOrThrow({
      where: { id: runId },
      include: {
        ...runSummaryInclude,
        experiment: {
          select: {
            id: true,
            epochs: true,
            batchSize: true,
            trainPerClass: true,
            validationFraction: true,
            testPerClass: true,
            training: true,
            baseModelId: true,
            datasetId: true,
          },
        },
      },
    });
    return { run: toRunSummary(row), experiment: row.experiment };
  }

  /**
   * PostgreSQL: lock the oldest queued row with FOR UPDATE SKIP LOCKED and move it to RUNNING in
   * the same transaction. A row another claimer has locked is skipped rather than waited for, so
   * concurrent claimers (any number of web replicas) each take a different run in one attempt.
   */
  private async claimLocked(workerId: string, now: Date, claim: ClaimData): Promise<string | null> {
    return this.db.$transaction(
      async (tx) => {
        const [candidate] = await tx.$queryRaw<{ id: string }[]>`
          SELECT "id" FROM "Run" WHERE "status" = 'QUEUED'
          ORDER BY "queuedAt" ASC, "id" ASC
          LIMIT 1 FOR UPDATE SKIP LOCKED`;
        if (!candidate) return null;
        const { attempt } = await tx.run.update({
          where: { id: candidate.id },
          data: claim,
          select: { attempt: true },
        });
        await tx.worker.update({
          where: { id: workerId },
          data: { currentRunId: candidate.id, lastSeenAt: now },
        });
        await recordRunEvent(tx, {
          runId: candidate.id,
          kind: "claimed",
          attempt,
          workerId,
          at: now,
        });
        return candidate.id;
      },
      // Waiting for a pooled connection under a burst of claims is normal; the work itself is short.
      { maxWait: 10_000, timeout: 10_000 },
    );
  }

  /**
   * SQLite: the conditional update (status still QUEUED) is the atomic step, as SQLite runs one
   * write at a time: two workers racing for the same row cannot both win; the loser tries the next.
   */
  private async claimConditionally(
    workerId: string,
    now: Date,
    claim: ClaimData,
  ): Promise<string | null> {
    for (let tries = 0; tries < 20; tries++) {
      const candidate = await this.db.run.findFirst({
        where: { status: "QUEUED" },
        orderBy: [{ queuedAt: "asc" }, { id: "asc" }],
        select: { id: true },
      });
      if (!candidate) return null;
      const won = await this.db.$transaction(async (tx) => {
        const updated = await tx.run.updateMany({
          where: { id: candidate.id, status: "QUEUED" },
          data: claim,
        });
        if (updated.count !== 1) return false;
        await tx.worker.update({
          where: { id: workerId },
          data: { currentRunId: candidate.id, lastSeenAt: now },
        });
        await recordRunEvent(tx, {
          runId: candidate.id,
          kind: "claimed",
          attempt: await attemptOf(tx, candidate.id),
          workerId,
          at: now,
        });
        return true;
      }, EVENT_TX);
      if (won) return candidate.id;
    }
    return null;
  }

  /** Extends the lease of a run this worker holds; null when it no longer holds it. */
  async extendLease(
    runId: string,
    workerId: string,
    leaseExpiresAt: Date,
  ): Promise<{ cancelRequested: boolean } | null> {
    const updated = await this.db.run.updateMany({
      where: { id: runId, workerId, status: "RUNNING" },
      data: { leaseExpiresAt },
    });
    if (updated.count === 0) return null;
    const row = await this.db.run.findUniqueOrThrow({
      where: { id: runId },
      select: { cancelRequested: true },
    });
    return row;
  }

  /**
   * Sets the progress of a run this worker holds, only ever upwards: heartbeats and metric reports
   * carry it and may arrive out of order, so a late, smaller value is ignored. A claim resets it
   * to 0 for the next attempt.
   */
  async raiseProgress(runId: string, workerId: string, progress: number): Promise<void> {
    await this.db.run.updateMany({
      where: { id: runId, workerId, status: "RUNNING", progress: { lt: progress } },
      data: { progress },
    });
  }

  /** Puts a run this worker holds back in the queue; false when it no longer holds it. */
  async release(runId: string, workerId: string, reason: string, now: Date): Promise<boolean> {
    return this.db.$transaction(async (tx) => {
      const updated = await tx.run.updateMany({
        where: { id: runId, workerId, status: "RUNNING" },
        data: {
          status: "QUEUED",
          workerId: null,
          leaseExpiresAt: null,
          failureReason: reason,
          cancelRequested: false,
        },
      });
      await tx.worker.updateMany({
        where: { id: workerId, currentRunId: runId },
        data: { currentRunId: null },
      });
      if (updated.count !== 1) return false;
      await recordRunEvent(tx, {
        runId,
        kind: "released",
        attempt: await attemptOf(tx, runId),
        workerId,
        detail: reason,
        at: now,
      });
      return true;
    }, EVENT_TX);
  }

  /** Moves a run this worker holds to a terminal status; false when it no longer holds it. */
  async finish(
    runId: string,
    workerId: string,
    now: Date,
    outcome:
      | { status: "SUCCEEDED"; metrics: FinalMetrics }
      | { status: "FAILED" | "CANCELED"; reason: string },
  ): Promise<boolean> {
    const data =
      outcome.status === "SUCCEEDED"
        ? {
            status: outcome.status,
            testAccuracy: outcome.metrics.testAccuracy,
            trainableParams: outcome.metrics.trainableParams,
            totalParams: outcome.metrics.totalParams,
            wallTimeMs: outcome.metrics.wallTimeMs,
            finalMetrics: JSON.stringify(outcome.metrics),
            progress: 1,
            // Earlier attempts' reasons (released, lease expired) stay in the run's events, its
            // timeline; a run that succeeded has no failure reason.
            failureReason: null,
          }
        : { status: outcome.status, failureReason: outcome.reason };
    return this.db.$transaction(async (tx) => {
      const updated = await tx.run.updateMany({
        where: { id: runId, workerId, status: "RUNNING" },
        data: { ...data, finishedAt: now, leaseExpiresAt: null },
      });
      await tx.worker.updateMany({
        where: { id: workerId, currentRunId: runId },
        data: { currentRunId: null, lastSeenAt: now },
      });
      if (updated.count !== 1) return false;
      await recordRunEvent(tx, {
        runId,
        kind:
          outcome.status === "SUCCEEDED"
            ? "succeeded"
            : outcome.status === "FAILED"
              ? "failed"
              : "canceled",
        attempt: await attemptOf(tx, runId),
        workerId,
        detail: outcome.status === "SUCCEEDED" ? null : outcome.reason,
        at: now,
      });
      return true;
    }, EVENT_TX);
  }

  /**
   * A queued run is canceled at once; a running one is flagged and its worker stops once it learns
   * of it, from its next heartbeat or epoch's metric report. Either change is recorded as a cancel
   * request by `actorId` in the same transaction, so the activity feed has each request once:
   * asking again, or of a finished run, records nothing.
   */
  async requestCancel(runId: string, now: Date, actorId: string | null): Promise<RunStatus | null> {
    return this.db.$transaction(async (tx) => {
      const recordRequest = async () =>
        recordRunEvent(tx, {
          runId,
          kind: "cancel_requested",
          attempt: await attemptOf(tx, runId),
          actorId,
          at: now,
        });
      const queued = await tx.run.updateMany({
        where: { id: runId, status: "QUEUED" },
        data: { status: "CANCELED", finishedAt: now, failureReason: "canceled before it started" },
      });
      if (queued.count === 1) {
        await recordRequest();
        return "CANCELED";
      }
      const running = await tx.run.updateMany({
        where: { id: runId, status: "RUNNING", cancelRequested: false },
        data: { cancelRequested: true },
      });
      if (running.count === 1) {
        await recordRequest();
        return "RUNNING";
      }
      const row = await tx.run.findUnique({ where: { id: runId }, select: { status: true } });
      return row ? (row.status as RunStatus) : null;
    });
  }

  /** Running runs whose lease has expired: their worker is gone or cut off. */
  async expiredLeases(
    now: Date,
  ): Promise<{ id: string; attempt: number; maxAttempts: number; workerId: string | null }[]> {
    return this.db.run.findMany({
      where: { status: "RUNNING", leaseExpiresAt: { lte: now } },
      select: { id: true, attempt: true, maxAttempts: true, workerId: true },
    });
  }

  /**
   * Takes back a run whose lease expired, as `expiredLeases` read it: the same attempt and holder,
   * so the recorded event names the worker that lost it.
   */
  async requeueExpired(
    expired: { id: string; attempt: number; workerId: string | null },
    now: Date,
    reason: string,
    giveUp: boolean,
  ): Promise<boolean> {
    const runId = expired.id;
    return this.db.$transaction(async (tx) => {
      const updated = await tx.run.updateMany({
        where: {
          id: runId,
          status: "RUNNING",
          leaseExpiresAt: { lte: now },
          attempt: expired.attempt,
          workerId: expired.workerId,
        },
        data: giveUp
          ? { status: "FAILED", finishedAt: now, failureReason: reason, leaseExpiresAt: null }
          : { status: "QUEUED", workerId: null, leaseExpiresAt: null, failureReason: reason },
      });
      if (updated.count !== 1) return false;
      // The worker that lost the lease no longer holds this run, whatever it last told us.
      await tx.worker.updateMany({ where: { currentRunId: runId }, data: { currentRunId: null } });
      await recordRunEvent(tx, {
        runId,
        kind: "lease_expired",
        attempt: expired.attempt,
        workerId: expired.workerId,
        detail: reason,
        at: now,
      });
      return true;
    }, EVENT_TX);
  }

  async recordArtifact(input: {
    runId: string;
    kind: string;
    fileName: string;
    storagePath: string;
    sizeBytes: number;
    sha256: string;
  }): Promise<void> {
    await this.db.artifact.upsert({
      where: {
        runId_kind_fileName: { runId: input.runId, kind: input.kind, fileName: input.fileName },
      },
      create: input,
      update: {
        storagePath: input.storagePath,
        sizeBytes: input.sizeBytes,
        sha256: input.sha256,
        createdAt: new Date(),
      },
    });
  }

  async artifact(
    runId: string,
    fileName: string,
  ): Promise<{ storagePath: string; sizeBytes: number } | null> {
    return this.db.artifact.findFirst({
      where: { runId, fileName },
      select: { storagePath: true, sizeBytes: true },
    });
  }

  /** The epochs a run may train (its experiment's budget), or null when there is no such run. */
  async epochBudget(runId: string): Promise<number | null> {
    const row = await this.db.run.findUnique({
      where: { id: runId },
      select: { experiment: { select: { epochs: true } } },
    });
    return row?.experiment.epochs ?? null;
  }

  /**
   * Whether a worker registered with `credential` holds a RUNNING run that is this run, or uses
   * this base model or dataset: what a worker token may download.
   */
  async heldWith(credential: string, what: HeldRunFile): Promise<boolean> {
    const match =
      "runId" in what
        ? { id: what.runId }
        : "baseModelId" in what
          ? { experiment: { baseModelId: what.baseModelId } }
          : { experiment: { datasetId: what.datasetId } };
    const run = await this.db.run.findFirst({
      where: { status: "RUNNING", worker: { credential }, ...match },
      select: { id: true },
    });
    return run !== null;
  }

  async holder(runId: string): Promise<{
    workerId: string | null;
    status: string;
    attempt: number;
    cancelRequested: boolean;
  } | null> {
    return this.db.run.findUnique({
      where: { id: runId },
      select: { workerId: true, status: true, attempt: true, cancelRequested: true },
    });
  }
}
