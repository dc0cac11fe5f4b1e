import { DEFAULT_LEASE_MS } from "@tlab/core/lease";
import type { WorkerListItemDto } from "@tlab/core/dto";
import type { WorkerRepository } from "@tlab/db/repositories/worker-repository";

/**
 * The workers page: who is online, who stopped and when. A worker is seen at every claim (an idle
 * one polls about once a second) and every heartbeat (half the lease while it trains), so one not
 * seen for a whole lease — two heartbeat intervals — has stopped or lost the server.
 */
export class WorkerListService {
  private readonly leaseMs: number;
  private readonly now: () => Date;

  constructor(
    private readonly workers: WorkerRepository,
    options: { leaseMs?: number; now?: () => Date } = {},
  ) {
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.now = options.now ?? (() => new Date());
  }

  /**
   * Online workers first, then offline ones, each most recently seen first. A worker restarted
   * under the same name registers again, so of the offline registrations of a name only the
   * latest is listed, unless an older one still holds a run (its page links to that worker).
   */
  async list(): Promise<WorkerListItemDto[]> {
    const onlineSince = this.now().getTime() - this.leaseMs;
    const rows = (await this.workers.list()).map((worker) => ({
      ...worker,
      online: Date.parse(worker.lastSeenAt) > onlineSince,
    }));
    const newestFirst = [...rows].sort(
      (a, b) => Date.parse(b.lastSeenAt) - Date.parse(a.lastSeenAt),
    );
    const namesListed = new Set<string>();
    const listed = newestFirst.filter((worker) => {
      const keep = worker.online || worker.currentRunId !== null || !namesListed.has(worker.name);
      namesListed.add(worker.name);
      return keep;
    });
    return [...listed.filter((w) => w.online), ...listed.filter((w) => !w.online)];
  }
}
