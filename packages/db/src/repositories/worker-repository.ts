import type { WorkerDto, WorkerListItemDto } from "@tlab/core/dto";
import { TrainingBackend, type WorkerInfo } from "@tlab/core/run";
import { StrategyKind } from "@tlab/core/strategy";
import type { Db } from "../client";

export class WorkerRepository {
  constructor(private readonly db: Db) {}

  /** `credential`: who registered it (see core's workerCredential); only it may act as this worker. */
  async register(info: WorkerInfo, credential: string, now: Date): Promise<WorkerDto> {
    const row = await this.db.worker.create({
      data: { ...info, versions: JSON.stringify(info.versions), credential, lastSeenAt: now },
    });
    return toWorker(row);
  }

  async touch(id: string, now: Date): Promise<boolean> {
    const updated = await this.db.worker.updateMany({ where: { id }, data: { lastSeenAt: now } });
    return updated.count === 1;
  }

  /** The credential that registered the worker (null: registered before workers were bound); undefined: no such worker. */
  async credentialOf(id: string): Promise<string | null | undefined> {
    const row = await this.db.worker.findUnique({ where: { id }, select: { credential: true } });
    return row ? row.credential : undefined;
  }

  async byId(id: string): Promise<WorkerDto | null> {
    const row = await this.db.worker.findUnique({ where: { id } });
    return row ? toWorker(row) : null;
  }

  /**
   * The 200 most recently seen workers, each with the run it is training (two statements).
   * Whether each is online depends on the server's lease, so WorkerListService says that.
   */
  async list(): Promise<Omit<WorkerListItemDto, "online">[]> {
    const rows = await this.db.worker.findMany({ orderBy: { lastSeenAt: "desc" }, take: 200 });
    const runIds = rows.flatMap((row) => (row.currentRunId ? [row.currentRunId] : []));
    const runs = runIds.length
      ? await this.db.run.findMany({
          where: { id: { in: runIds } },
          select: {
            id: true,
            strategy: true,
            seed: true,
            progress: true,
            experiment: { select: { name: true } },
          },
        })
      : [];
    const byId = new Map(runs.map((run) => [run.id, run]));
    return rows.map((row) => {
      const run = row.currentRunId ? byId.get(row.currentRunId) : undefined;
      return {
        ...toWorker(row),
        currentRun: run
          ? {
              id: run.id,
              experimentName: run.experiment.name,
              strategy: StrategyKind.parse(run.strategy),
              seed: run.seed,
              progress: run.progress,
            }
          : null,
      };
    });
  }
}

function toWorker(row: {
  id: string;
  name: string;
  hostname: string;
  backend: string;
  device: string;
  lastSeenAt: Date;
  currentRunId: string | null;
}): WorkerDto {
  return {
    id: row.id,
    name: row.name,
    hostname: row.hostname,
    backend: TrainingBackend.parse(row.backend),
    device: row.device,
    lastSeenAt: row.lastSeenAt.toISOString(),
    currentRunId: row.currentRunId,
  };
}
