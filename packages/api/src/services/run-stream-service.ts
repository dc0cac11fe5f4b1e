import type { RunSummaryDto } from "@tlab/core/dto";
import { DomainError } from "@tlab/core/errors";
import { TERMINAL_STATUSES } from "@tlab/core/run";
import { RUN_LOG_MAX_PAGE } from "@tlab/core/run-log";
import type { RunStreamEvent } from "@tlab/core/table-queries";
import type { RunQueryRepository } from "@tlab/db/repositories/run-query-repository";
import type { RunRepository } from "@tlab/db/repositories/run-repository";
import type { RunLogService } from "./run-log-service";

/** How often the stream looks for new points: new epochs reach the page within this plus the render. */
const POLL_MS = 500;
/** Steps re-read behind the newest one: a worker may report an epoch's metrics in more than one batch. */
const OVERLAP_STEPS = 1;

export interface RunStreamFrom {
  /** The newest step the client has (its Last-Event-ID when it reconnects); 0 for all. */
  afterStep: number;
  /** The last log line the client has; undefined for the whole log. */
  logAfter?: { attempt: number; seq: number };
}

/** One event of the stream, with the id a client sends back to resume (metrics only). */
export interface RunStreamItem {
  event: RunStreamEvent;
  id?: number;
}

/**
 * A run's live events, read from the database by polling, so any web replica can serve any
 * stream: `run` when its status, progress or attempt changes, `metrics` with points the client
 * has not seen, `logs` with lines after its cursor, and `end` once the run is finished.
 */
export class RunStreamService {
  constructor(
    private readonly runsRepo: RunRepository,
    private readonly runQueries: RunQueryRepository,
    private readonly runLogs: Pick<RunLogService, "page">,
    private readonly pollMs = POLL_MS,
  ) {}

  /**
   * Yields the run first (rejecting with NOT_FOUND for an unknown run before anything is
   * yielded), then what changes, until the run finishes or `signal` aborts.
   */
  async *events(
    runId: string,
    from: RunStreamFrom,
    signal: AbortSignal,
  ): AsyncGenerator<RunStreamItem, void, undefined> {
    const first = await this.runsRepo.summaryById(runId);
    if (!first) throw new DomainError("NOT_FOUND", `runId: no run "${runId}"`);
    let newest =
      Number.isFinite(from.afterStep) && from.afterStep > 0 ? Math.floor(from.afterStep) : 0;
    let logCursor = from.logAfter;
    // Values already sent for the overlap steps, so a re-read step is sent again only if it changed.
    let sent = new Map<string, number>();
    let lastRun = runKey(first);
    yield { event: { type: "run", run: first } };

    while (!signal.aborted) {
      const run = await this.runsRepo.summaryById(runId);
      if (!run) return;
      const points = await this.runQueries.allPointsAfter(
        runId,
        Math.max(0, newest - OVERLAP_STEPS),
      );
      const fresh = points.filter((p) => sent.get(`${p.name}@${p.step}`) !== p.value);
      if (fresh.length > 0) {
        for (const p of points) newest = Math.max(newest, p.step);
        sent = new Map(
          points
            .filter((p) => p.step >= newest - OVERLAP_STEPS)
            .map((p) => [`${p.name}@${p.step}`, p.value]),
        );
        yield { event: { type: "metrics", points: fresh }, id: newest };
      }
      // Read after the run's status: a worker sends its last lines before its final report, so
      // a run seen finished here has its whole log in this read.
      for (let more = true; more && !signal.aborted; ) {
        const page = await this.runLogs.page({ runId, after: logCursor, limit: RUN_LOG_MAX_PAGE });
        if (page.lines.length > 0) {
          const last = page.lines.at(-1)!;
          logCursor = { attempt: last.attempt, seq: last.seq };
          yield { event: { type: "logs", lines: page.lines } };
        }
        more = page.next !== null;
      }
      const key = runKey(run);
      if (key !== lastRun) {
        lastRun = key;
        yield { event: { type: "run", run } };
      }
      if (TERMINAL_STATUSES.includes(run.status)) {
        yield { event: { type: "end", status: run.status } };
        return;
      }
      await sleep(this.pollMs, signal);
    }
  }
}

function runKey(run: RunSummaryDto): string {
  return [
    run.status,
    run.attempt,
    run.progress.toFixed(3),
    run.cancelRequested,
    run.workerId,
    run.failureReason,
    run.finishedAt,
  ].join("|");
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done);
  });
}
