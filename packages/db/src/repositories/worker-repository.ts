import type { WorkerDto } from "@tlab/core/dto";
import { TrainingBackend, type WorkerInfo } from "@tlab/core/run";
import type { Db } from "../client";

export class WorkerRepository {
  constructor(private readonly db: Db) {}

  async register(info: WorkerInfo, now: Date): Promise<WorkerDto> {
    const row = await this.db.worker.create({
      data: { ...info, versions: JSON.stringify(info.versions), lastSeenAt: now },
    });
    return toWorker(row);
  }

  async touch(id: string, now: Date): Promise<boolean> {
    const updated = await this.db.worker.updateMany({ where: { id }, data: { lastSeenAt: now } });
    return updated.count === 1;
  }

  async byId(id: string): Promise<WorkerDto | null> {
    const row = await this.db.worker.findUnique({ where: { id } });
    return row ? toWorker(row) : null;
  }

  async list(): Promise<WorkerDto[]> {
    const rows = await this.db.worker.findMany({ orderBy: { lastSeenAt: "desc" }, take: 200 });
    return rows.map(toWorker);
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
