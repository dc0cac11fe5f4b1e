import type { RunSummaryDto } from "@tlab/core/dto";
import {
  type CreateExternalExperimentInput,
  ExternalRunSettings,
  type ExternalSubject,
  ReportedPredictions,
} from "@tlab/core/external-run";
import type { FinalMetrics, RunStatus } from "@tlab/core/run";
import type { StrategyConfig } from "@tlab/core/strategy";
import type { Db } from "../client";
import { parseJsonColumn } from "../json";
import { createUnlessTaken } from "../unique-create";
import { recordRunEvent } from "./run-events";
import { runSummaryInclude, toRunSummary } from "./run-mapper";

/** What the external-run service needs to know of a run before changing it. */
export interface ExternalRunState {
  id: string;
  experimentId: string;
  status: RunStatus;
  reportedByClient: boolean;
  startedAt: Date | null;
  trainableParams: number | null;
  totalParams: number | null;
  cancelRequested: boolean;
}

/**
 * Writes of external experiments and their client-reported runs. Such runs are created RUNNING
 * with no worker and no lease: the claim takes only QUEUED runs and the sweeper only expired
 * leases, so no worker ever trains them.
 */
export class ExternalRunRepository {
  constructor(private readonly db: Db) {}

  /** Creates the experiment, or with a clientKey already used by this user returns that one (a retried create). */
  async createExperiment(
    input: CreateExternalExperimentInput,
    subject: ExternalSubject,
    createdById: string | null,
  ): Promise<{ id: string; created: boolean }> {
    const existing = await this.experimentByKey(createdById, input.clientKey);
    if (existing) return { id: existing, created: false };
    const created = await createUnlessTaken(() =>
      this.db.experiment.create({
        data: {
          name: input.name,
          source: "external",
          external: JSON.stringify(subject),
          clientKey: input.clientKey ?? null,
          createdById,
          // The shape a built-in experiment declares up front is decided by the client here:
          // epochs and seeds grow with the runs it reports; the split sizes are not known.
          epochs: 0,
          batchSize: 0,
          seeds: 0,
          trainPerClass: 0,
          validationFraction: 0,
          testPerClass: 0,
          notes: input.notes,
        },
        select: { id: true },
      }),
    );
    if (created) return { id: created.id, created: true };
    const raced = await this.experimentByKey(createdById, input.clientKey);
    if (!raced) throw new Error("external experiment: clientKey taken but no experiment found");
    return { id: raced, created: false };
  }

  async experimentSource(id: string): Promise<"builtin" | "external" | null> {
    const row = await this.db.experiment.findUnique({ where: { id }, select: { source: true } });
    if (!row) return null;
    return row.source === "external" ? "external" : "builtin";
  }

  /**
   * Creates a RUNNING run reported by the client, or returns the one a retried start made. The
   * experiment's epochs and seeds follow its runs so its header reads like a built-in one's.
   */
  async startRun(
    experimentId: string,
    run: {
      config: StrategyConfig;
      seed: number;
      settings: ExternalRunSettings;
      trainableParams: number | null;
      totalParams: number | null;
      clientKey: string | null;
    },
    now: Date,
  ): Promise<{ run: RunSummaryDto; created: boolean }> {
    const existing = await this.runByKey(experimentId, run.clientKey);
    if (existing) return { run: existing, created: false };
    const created = await createUnlessTaken(() =>
      this.db.$transaction(async (tx) => {
        const row = await tx.run.create({
          data: {
            experimentId,
            strategy: run.config.kind,
            config: JSON.stringify(run.config),
            seed: run.seed,
            status: "RUNNING",
            attempt: 1,
            maxAttempts: 1,
            startedAt: now,
            queuedAt: now,
            reportedByClient: true,
            clientSettings: JSON.stringify(run.settings),
            clientKey: run.clientKey,
            trainableParams: run.trainableParams,
            totalParams: run.totalParams,
          },
          include: runSummaryInclude,
        });
        await recordRunEvent(tx, {
          runId: row.id,
          kind: "claimed",
          attempt: 1,
          detail: "started by a client",
          at: now,
        });
        const seeds = await tx.run.findMany({
          where: { experimentId },
          distinct: ["seed"],
          select: { seed: true },
        });
        const epochs = run.settings.epochs ?? 0;
        const experiment = await tx.experiment.findUniqueOrThrow({
          where: { id: experimentId },
          select: { epochs: true },
        });
        await tx.experiment.update({
          where: { id: experimentId },
          data: { seeds: seeds.length, epochs: Math.max(experiment.epochs, epochs) },
        });
        return toRunSummary(row);
      }),
    );
    if (created) return { run: created, created: true };
    const raced = await this.runByKey(experimentId, run.clientKey);
    if (!raced) throw new Error("external run: clientKey taken but no run found");
    return { run: raced, created: false };
  }

  async runState(runId: string): Promise<ExternalRunState | null> {
    const row = await this.db.run.findUnique({
      where: { id: runId },
      select: {
        id: true,
        experimentId: true,
        status: true,
        reportedByClient: true,
        startedAt: true,
        trainableParams: true,
        totalParams: true,
        cancelRequested: true,
      },
    });
    return row ? { ...row, status: row.status as RunStatus } : null;
  }

  /** Raises the experiment's epoch count to the highest step a client reported. */
  async noteEpochs(experimentId: string, step: number): Promise<void> {
    await this.db.experiment.updateMany({
      where: { id: experimentId, epochs: { lt: step } },
      data: { epochs: step },
    });
  }

  /** RUNNING → SUCCEEDED or FAILED; false when the run was no longer running (nothing changed). */
  async finish(
    runId: string,
    now: Date,
    outcome:
      | { status: "SUCCEEDED"; metrics: FinalMetrics; predictions: ReportedPredictions | null }
      | { status: "FAILED"; reason: string },
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
            clientPredictions: outcome.predictions ? JSON.stringify(outcome.predictions) : null,
            progress: 1,
          }
        : { status: outcome.status, failureReason: outcome.reason };
    return this.db.$transaction(async (tx) => {
      const updated = await tx.run.updateMany({
        where: { id: runId, reportedByClient: true, status: "RUNNING" },
        data: { ...data, finishedAt: now },
      });
      if (updated.count !== 1) return false;
      await recordRunEvent(tx, {
        runId,
        kind: outcome.status === "SUCCEEDED" ? "succeeded" : "failed",
        attempt: 1,
        detail: outcome.status === "SUCCEEDED" ? "reported by a client" : outcome.reason,
        at: now,
      });
      return true;
    });
  }

  /** The settings and predictions a client reported for a run; null parts when it reported none. */
  async reportedOf(runId: string): Promise<{
    settings: ExternalRunSettings | null;
    predictions: ReportedPredictions | null;
  } | null> {
    const row = await this.db.run.findUnique({
      where: { id: runId },
      select: { clientSettings: true, clientPredictions: true },
    });
    if (!row) return null;
    return {
      settings:
        row.clientSettings === null
          ? null
          : parseJsonColumn(ExternalRunSettings, row.clientSettings, "Run.clientSettings"),
      predictions:
        row.clientPredictions === null
          ? null
          : parseJsonColumn(ReportedPredictions, row.clientPredictions, "Run.clientPredictions"),
    };
  }

  private async experimentByKey(
    createdById: string | null,
    clientKey: string | undefined,
  ): Promise<string | null> {
    if (!clientKey || !createdById) return null;
    const row = await this.db.experiment.findUnique({
      where: { createdById_clientKey: { createdById, clientKey } },
      select: { id: true },
    });
    return row?.id ?? null;
  }

  private async runByKey(
    experimentId: string,
    clientKey: string | null,
  ): Promise<RunSummaryDto | null> {
    if (!clientKey) return null;
    const row = await this.db.run.findUnique({
      where: { experimentId_clientKey: { experimentId, clientKey } },
      include: runSummaryInclude,
    });
    return row ? toRunSummary(row) : null;
  }
}
