import { StoredTrainingOptions } from "@tlab/core/experiment";
import { parseJsonColumn } from "../json";
import { CutSweep, TrainPerClassLadder, trainPerClassBudgets } from "@tlab/core/transfer-sweep";
import type { ExperimentDetailDto, ExperimentSummaryDto } from "@tlab/core/dto";
import type { CreateExperimentInput } from "@tlab/core/experiment";
import { RUN_STATUSES_ZERO } from "../run-counts";
import type { RunStatus } from "@tlab/core/run";
import type { Db, DbProvider } from "../client";
import {
  externalSubject,
  subjectNames,
  subjectSelect,
  type SubjectRow,
} from "./experiment-subject";
import { runSummaryInclude, toRunSummary } from "./run-mapper";

export interface NewRun {
  strategy: CreateExperimentInput["strategies"][number];
  seed: number;
  trainPerClass: number;
  /** Null when the caller did not plan it (test fixtures). */
  trainedBaseLayers: number | null;
}

const summarySelect = {
  id: true,
  name: true,
  epochs: true,
  seeds: true,
  createdAt: true,
  ...subjectSelect,
} as const;

export class ExperimentRepository {
  constructor(
    private readonly db: Db,
    private readonly provider: DbProvider,
  ) {}

  /**
   * Creates the experiment and all its runs in one transaction: never an experiment without runs.
   * `createdById`: the user who launched it (null or absent when no user did).
   */
  async createWithRuns(
    input: CreateExperimentInput,
    refs: { baseModelId: string; datasetId: string; createdById?: string | null },
    runs: NewRun[],
  ): Promise<string> {
    const experiment = await this.db.experiment.create({
      data: {
        name: input.name,
        baseModelId: refs.baseModelId,
        datasetId: refs.datasetId,
        createdById: refs.createdById ?? null,
        epochs: input.epochs,
        batchSize: input.batchSize,
        seeds: input.seeds,
        // The ladder replaces trainPerClass; its largest rung is kept here so the experiment's one
        // number still bounds what any of its runs draws.
        trainPerClass: Math.max(...trainPerClassBudgets(input)),
        trainPerClassLadder: input.trainPerClassLadder
          ? JSON.stringify(input.trainPerClassLadder)
          : null,
        cutSweep: input.cutSweep ? JSON.stringify(input.cutSweep) : null,
        validationFraction: input.validationFraction,
        testPerClass: input.testPerClass,
        training: JSON.stringify(input.training),
        notes: input.notes,
        runs: {
          create: runs.map((r) => ({
            strategy: r.strategy.kind,
            config: JSON.stringify(r.strategy),
            seed: r.seed,
            trainPerClass: r.trainPerClass,
            trainedBaseLayers: r.trainedBaseLayers,
          })),
        },
      },
      select: { id: true },
    });
    return experiment.id;
  }

  async list(opts: { limit: number; cursor?: string | null; search?: string }): Promise<{
    items: ExperimentSummaryDto[];
    nextCursor: string | null;
  }> {
    const rows = await this.db.experiment.findMany({
      where: opts.search ? { name: this.nameContains(opts.search) } : undefined,
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take: opts.limit + 1,
      ...(opts.cursor ? { cursor: { id: opts.cursor }, skip: 1 } : {}),
      select: summarySelect,
    });
    const page = rows.slice(0, opts.limit);
    const counts = await this.runCounts(page.map((r) => r.id));
    return {
      items: page.map((r) => toSummary(r, counts.get(r.id))),
      nextCursor: rows.length > opts.limit ? page[page.length - 1]!.id : null,
    };
  }

  async byId(id: string): Promise<ExperimentDetailDto | null> {
    const row = await this.db.experiment.findUnique({
      where: { id },
      select: {
        ...summarySelect,
        batchSize: true,
        trainPerClass: true,
        trainPerClassLadder: true,
        cutSweep: true,
        validationFraction: true,
        testPerClass: true,
        training: true,
        notes: true,
        source: true,
        createdBy: { select: { id: true, name: true, email: true } },
        runs: { orderBy: [{ strategy: "asc" }, { seed: "asc" }], include: runSummaryInclude },
      },
    });
    if (!row) return null;
    const runs = row.runs.map(toRunSummary);
    const counts = { ...RUN_STATUSES_ZERO };
    for (const r of runs) counts[r.status] += 1;
    return {
      ...toSummary(row, counts),
      source: row.source === "external" ? "external" : "builtin",
      external: externalSubject(row),
      launchedBy: row.createdBy,
      batchSize: row.batchSize,
      trainPerClass: row.trainPerClass,
      trainPerClassLadder: row.trainPerClassLadder
        ? parseJsonColumn(
            TrainPerClassLadder,
            row.trainPerClassLadder,
            "Experiment.trainPerClassLadder",
          )
        : null,
      cutSweep: row.cutSweep
        ? parseJsonColumn(CutSweep, row.cutSweep, "Experiment.cutSweep")
        : null,
      validationFraction: row.validationFraction,
      testPerClass: row.testPerClass,
      training: parseJsonColumn(StoredTrainingOptions, row.training, "Experiment.training"),
      notes: row.notes,
      runs,
    };
  }

  /**
   * Search is case-insensitive on both providers: SQLite's LIKE already is (for ASCII), PostgreSQL
   * needs Prisma's `mode: "insensitive"`. Only the PostgreSQL client's types declare `mode`, so the
   * filter is built as a value (no excess-property check) and reaches that client as is.
   */
  private nameContains(search: string): { contains: string } {
    if (this.provider === "sqlite") return { contains: search };
    const filter = { contains: search, mode: "insensitive" };
    return filter;
  }

  private async runCounts(ids: string[]): Promise<Map<string, Record<RunStatus, number>>> {
    const grouped = await this.db.run.groupBy({
      by: ["experimentId", "status"],
      where: { experimentId: { in: ids } },
      _count: { _all: true },
    });
    const out = new Map<string, Record<RunStatus, number>>();
    for (const g of grouped) {
      const counts = out.get(g.experimentId) ?? { ...RUN_STATUSES_ZERO };
      counts[g.status as RunStatus] = g._count._all;
      out.set(g.experimentId, counts);
    }
    return out;
  }
}

function toSummary(
  row: SubjectRow & {
    id: string;
    name: string;
    epochs: number;
    seeds: number;
    createdAt: Date;
  },
  counts: Record<RunStatus, number> | undefined,
): ExperimentSummaryDto {
  return {
    id: row.id,
    name: row.name,
    ...subjectNames(row),
    epochs: row.epochs,
    seeds: row.seeds,
    createdAt: row.createdAt.toISOString(),
    runCounts: counts ?? { ...RUN_STATUSES_ZERO },
  };
}
