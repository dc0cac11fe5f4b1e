import { StoredTrainingOptions } from "@tlab/core/experiment";
import { FinalMetrics } from "@tlab/core/run";
import type {
  ExperimentSettingsDto,
  RunPageDto,
  RunSortField,
  RunTableQuery,
  RunTableRowDto,
} from "@tlab/core/table-queries";
import type { Db, DbProvider } from "../client";
import type { Prisma } from "../generated/sqlite/client";
import { parseJsonColumn } from "../json";
import {
  afterCursor,
  decodeCursor,
  encodeCursor,
  type SortColumn,
  type SortValue,
} from "../keyset-cursor";
import { recordRunEvent } from "./run-events";
import { subjectNames, subjectSelect, type SubjectRow } from "./experiment-subject";
import { runSummaryInclude, toRunSummary } from "./run-mapper";
import { containsIgnoringCase } from "./text-search";

/** Sort columns that are null until a run succeeds; they sort last in either direction. */
/** The runs table's sort columns (RunSortField), for checking cursors. Nullable ones order nulls last. */
const RUN_SORTS: Record<RunSortField, SortColumn> = {
  queuedAt: { field: "queuedAt", type: "date", nullable: false },
  testAccuracy: { field: "testAccuracy", type: "float", nullable: true },
  wallTimeMs: { field: "wallTimeMs", type: "float", nullable: true },
  trainableParams: { field: "trainableParams", type: "int", nullable: true },
  progress: { field: "progress", type: "float", nullable: false },
};

const rowInclude = {
  ...runSummaryInclude,
  experiment: {
    select: {
      name: true,
      epochs: true,
      batchSize: true,
      trainPerClass: true,
      validationFraction: true,
      testPerClass: true,
      training: true,
      ...subjectSelect,
    },
  },
} as const;

type RowWithExperiment = Awaited<ReturnType<Db["run"]["findFirstOrThrow"]>> & {
  worker: { name: string } | null;
  experiment: {
    name: string;
    epochs: number;
    batchSize: number;
    trainPerClass: number;
    validationFraction: number;
    testPerClass: number;
    training: string;
  } & SubjectRow;
};

export interface ComparedRunRow {
  run: RunTableRowDto;
  settings: ExperimentSettingsDto;
  finalMetrics: FinalMetrics | null;
}

/**
 * Read models over runs for the dashboard: the runs table across experiments, the rows of a
 * cross-experiment comparison, final metrics and metric series of many runs at once. The one
 * write here, `requeueFinished`, is the retry transition's query; RunRetryService owns the rule.
 */
export class RunQueryRepository {
  constructor(
    private readonly db: Db,
    private readonly provider: DbProvider,
  ) {}

  async page(query: RunTableQuery): Promise<RunPageDto> {
    const experiment: Prisma.ExperimentWhereInput = {
      ...(query.baseModel ? { baseModel: { name: query.baseModel } } : {}),
      ...(query.dataset ? { dataset: { name: query.dataset } } : {}),
    };
    const where: Prisma.RunWhereInput = {
      ...(query.status?.length ? { status: { in: query.status } } : {}),
      ...(query.strategy?.length ? { strategy: { in: query.strategy } } : {}),
      ...(query.experimentId ? { experimentId: query.experimentId } : {}),
      ...(Object.keys(experiment).length > 0 ? { experiment } : {}),
      ...(query.search
        ? {
            OR: [
              { id: query.search },
              { experiment: { name: containsIgnoringCase(this.provider, query.search) } },
            ],
          }
        : {}),
    };
    const sort = RUN_SORTS[query.sort];
    const nullable = sort.nullable;
    const after = query.cursor
      ? (afterCursor(
          sort,
          query.direction,
          decodeCursor(query.cursor, sort),
        ) as Prisma.RunWhereInput)
      : null;
    const [rows, total] = await Promise.all([
      this.db.run.findMany({
        where: after ? { AND: [where, after] } : where,
        orderBy: [
          nullable
            ? { [query.sort]: { sort: query.direction, nulls: "last" } }
            : { [query.sort]: query.direction },
          { id: query.direction },
        ],
        take: query.limit + 1,
        include: rowInclude,
      }),
      this.db.run.count({ where }),
    ]);
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return {
      items: page.map(toRow),
      nextCursor:
        rows.length > query.limit && last
          ? encodeCursor(sort, sortValue(last, query.sort), last.id)
          : null,
      total,
    };
  }

  /** The runs asked for with their experiment's settings and final metrics; unknown ids are left out. */
  async comparedRows(runIds: readonly string[]): Promise<ComparedRunRow[]> {
    const rows = await this.db.run.findMany({
      where: { id: { in: [...runIds] } },
      include: rowInclude,
    });
    return rows.map((row) => ({
      run: toRow(row),
      settings: {
        epochs: row.experiment.epochs,
        batchSize: row.experiment.batchSize,
        // A run of a ladder trains with its own budget, not the experiment's largest.
        trainPerClass: row.trainPerClass ?? row.experiment.trainPerClass,
        validationFraction: row.experiment.validationFraction,
        testPerClass: row.experiment.testPerClass,
        training: parseJsonColumn(
          StoredTrainingOptions,
          row.experiment.training,
          "Experiment.training",
        ),
      },
      finalMetrics: row.finalMetrics
        ? parseJsonColumn(FinalMetrics, row.finalMetrics, "Run.finalMetrics")
        : null,
    }));
  }

  /** Final metrics of an experiment's succeeded runs, by run id. */
  async finalMetricsOfExperiment(experimentId: string): Promise<Record<string, FinalMetrics>> {
    const rows = await this.db.run.findMany({
      where: { experimentId, status: "SUCCEEDED", finalMetrics: { not: null } },
      select: { id: true, finalMetrics: true },
    });
    const out: Record<string, FinalMetrics> = {};
    for (const row of rows)
      if (row.finalMetrics)
        out[row.id] = parseJsonColumn(FinalMetrics, row.finalMetrics, "Run.finalMetrics");
    return out;
  }

  /**
   * Points after `after` in (step, name) order, at most `limit`: a step number (what a live view
   * has not seen yet) or the (step, name) of the last point read, which pages through every point
   * even when one step holds more points than a page.
   */
  async pointsAfter(
    runId: string,
    after: number | { step: number; name: string },
    limit = 5000,
  ): Promise<{ name: string; step: number; value: number }[]> {
    const position =
      typeof after === "number"
        ? { step: { gt: after } }
        : { OR: [{ step: { gt: after.step } }, { step: after.step, name: { gt: after.name } }] };
    return this.db.metricPoint.findMany({
      where: { runId, ...position },
      orderBy: [{ step: "asc" }, { name: "asc" }],
      select: { name: true, step: true, value: true },
      take: limit,
    });
  }

  /**
   * Every point with a step above `afterStep`, read in pages of `pageSize` by (step, name), so a
   * step with more points than a page is read whole (a run holds at most 100 series; older runs
   * may hold more).
   */
  async allPointsAfter(
    runId: string,
    afterStep: number,
    pageSize = 5000,
  ): Promise<{ name: string; step: number; value: number }[]> {
    const points: { name: string; step: number; value: number }[] = [];
    for (let after: number | { step: number; name: string } = afterStep; ; ) {
      const page = await this.pointsAfter(runId, after, pageSize);
      points.push(...page);
      if (page.length < pageSize) return points;
      after = { step: page.at(-1)!.step, name: page.at(-1)!.name };
    }
  }

  /**
   * Why each run last went back to the queue (released, lease expired, retried), from its events:
   * a run that then succeeded keeps no failure reason, but its export still says it was requeued.
   */
  async lastRequeueReasons(runIds: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (let i = 0; i < runIds.length; i += 500) {
      const rows = await this.db.runEvent.findMany({
        where: {
          runId: { in: runIds.slice(i, i + 500) },
          kind: { in: ["released", "lease_expired", "retried"] },
          detail: { not: null },
        },
        orderBy: [{ at: "asc" }, { id: "asc" }],
        select: { runId: true, detail: true },
      });
      for (const row of rows) out.set(row.runId, row.detail!);
    }
    return out;
  }

  async lifecycle(runId: string): Promise<{
    status: string;
    attempt: number;
    maxAttempts: number;
    failureReason: string | null;
  } | null> {
    return this.db.run.findUnique({
      where: { id: runId },
      select: { status: true, attempt: true, maxAttempts: true, failureReason: true },
    });
  }

  /**
   * Puts a FAILED or CANCELED run back in the queue as a fresh attempt, and removes its metric
   * points (the new attempt trains from epoch 1 and must not mix with the old series). Conditional
   * on the status and attempt read by the caller, so two concurrent retries requeue it once, and
   * only the one that did is recorded as a retry by `actorId`.
   */
  async requeueFinished(
    runId: string,
    expected: { status: string; attempt: number },
    data: { now: Date; maxAttempts: number; reason: string; actorId: string | null },
  ): Promise<boolean> {
    return this.db.$transaction(async (tx) => {
      const updated = await tx.run.updateMany({
        where: { id: runId, status: expected.status, attempt: expected.attempt },
        data: {
          status: "QUEUED",
          queuedAt: data.now,
          maxAttempts: data.maxAttempts,
          failureReason: data.reason,
          workerId: null,
          leaseExpiresAt: null,
          cancelRequested: false,
          progress: 0,
          backend: null,
          startedAt: null,
          finishedAt: null,
          testAccuracy: null,
          trainableParams: null,
          totalParams: null,
          wallTimeMs: null,
          finalMetrics: null,
        },
      });
      if (updated.count !== 1) return false;
      await tx.metricPoint.deleteMany({ where: { runId } });
      // The attempt counter counts claims, so the retry trains as the next one.
      await recordRunEvent(tx, {
        runId,
        kind: "retried",
        attempt: expected.attempt + 1,
        actorId: data.actorId,
        at: data.now,
      });
      return true;
    });
  }
}

function toRow(row: RowWithExperiment): RunTableRowDto {
  return {
    ...toRunSummary(row),
    experimentName: row.experiment.name,
    ...subjectNames(row.experiment),
  };
}

function sortValue(row: RowWithExperiment, field: RunSortField): SortValue {
  switch (field) {
    case "queuedAt":
      return row.queuedAt;
    case "testAccuracy":
      return row.testAccuracy;
    case "wallTimeMs":
      return row.wallTimeMs;
    case "trainableParams":
      return row.trainableParams;
    case "progress":
      return row.progress;
  }
}
