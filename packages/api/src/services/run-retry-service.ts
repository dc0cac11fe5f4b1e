import type { SessionUser } from "@tlab/core/access";
import { DEFAULT_MAX_ATTEMPTS } from "@tlab/core/lease";
import { DomainError } from "@tlab/core/errors";
import type { RunSummaryDto } from "@tlab/core/dto";
import type { RunQueryRepository } from "@tlab/db/repositories/run-query-repository";
import type { RunRepository } from "@tlab/db/repositories/run-repository";

const RETRYABLE = new Set(["FAILED", "CANCELED"]);

/**
 * Retry from the dashboard: a FAILED or CANCELED run goes back to the queue as the same run (same
 * id, strategy config and seed, so it keeps its place in its experiment's comparison) and trains
 * from the start. Its attempt counter keeps counting claims, and it gets a fresh budget of
 * DEFAULT_MAX_ATTEMPTS claims on top of those it used; the old failure stays readable in
 * `failureReason` until the new attempt finishes. The retry is recorded with who asked for it.
 */
export class RunRetryService {
  constructor(
    private readonly runs: RunRepository,
    private readonly queries: RunQueryRepository,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async retry(runId: string, by: SessionUser | null): Promise<RunSummaryDto> {
    const current = await this.queries.lifecycle(runId);
    if (!current) throw new DomainError("NOT_FOUND", `runId: no run "${runId}"`);
    // A client-reported run has no worker to train it: queued, it would wait forever (or a
    // worker would take a run whose base model is not in the catalog).
    if ((await this.runs.summaryById(runId))?.reportedByClient)
      throw new DomainError(
        "INVALID_INPUT",
        `runId: run ${runId} was reported by a client; start a new run from that client instead of retrying it here`,
      );
    if (!RETRYABLE.has(current.status)) {
      throw new DomainError(
        "INVALID_INPUT",
        `runId: run ${runId} is ${current.status.toLowerCase()}; only failed or canceled runs can be retried`,
      );
    }
    const previous = current.failureReason ? `: ${current.failureReason}` : "";
    const requeued = await this.queries.requeueFinished(
      runId,
      { status: current.status, attempt: current.attempt },
      {
        now: this.now(),
        maxAttempts: current.attempt + DEFAULT_MAX_ATTEMPTS,
        reason:
          `retried after attempt ${current.attempt} ended ${current.status.toLowerCase()}${previous}`.slice(
            0,
            4000,
          ),
        actorId: by?.id ?? null,
      },
    );
    // Someone else retried (or the run changed) between the read and the write: report what it is now.
    const run = await this.runs.summaryById(runId);
    if (!run) throw new DomainError("NOT_FOUND", `runId: no run "${runId}"`);
    if (!requeued && run.status !== "QUEUED") {
      throw new DomainError(
        "INVALID_INPUT",
        `runId: run ${runId} changed while retrying; it is now ${run.status.toLowerCase()}`,
      );
    }
    return run;
  }
}
