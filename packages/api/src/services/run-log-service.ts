import { DomainError } from "@tlab/core/errors";
import {
  type AppendRunLogInput,
  formatRunLogLine,
  RUN_LOG_MAX_PAGE,
  type RunLogPage,
  RunLogPageInput,
} from "@tlab/core/run-log";
import type { RunLogRepository } from "@tlab/db/repositories/run-log-repository";
import type { RunRepository } from "@tlab/db/repositories/run-repository";
import type { RunService } from "./run-service";

/** A run's log: lines appended by the worker holding the run, read by anyone who may see the run. */
export class RunLogService {
  constructor(
    private readonly runs: RunRepository,
    private readonly logs: RunLogRepository,
    private readonly workers: Pick<RunService, "assertActsAs">,
  ) {}

  /**
   * Only the worker holding the run, for the attempt it holds, may append: a worker whose lease
   * expired must not interleave its lines with the next holder's. Idempotent on (run, attempt, seq).
   */
  async append(credential: string, input: AppendRunLogInput): Promise<{ accepted: number }> {
    await this.workers.assertActsAs(credential, input.workerId);
    const holder = await this.runs.holder(input.runId);
    if (!holder) throw new DomainError("NOT_FOUND", `runId: no run "${input.runId}"`);
    if (holder.status !== "RUNNING" || holder.workerId !== input.workerId) {
      throw new DomainError(
        "RUN_NOT_CLAIMED_BY_WORKER",
        `run ${input.runId} is not held by worker ${input.workerId}`,
      );
    }
    if (holder.attempt !== input.attempt) {
      throw new DomainError(
        "RUN_NOT_CLAIMED_BY_WORKER",
        `attempt: run ${input.runId} is on attempt ${holder.attempt}, not ${input.attempt}`,
      );
    }
    return { accepted: await this.logs.appendLines(input.runId, input.attempt, input.lines) };
  }

  async page(input: RunLogPageInput): Promise<RunLogPage> {
    const { runId, after, limit } = RunLogPageInput.parse(input);
    if (!(await this.runs.holder(runId)))
      throw new DomainError("NOT_FOUND", `runId: no run "${runId}"`);
    const lines = await this.logs.page(runId, after, limit);
    const last = lines.at(-1);
    return {
      lines,
      next: lines.length === limit && last ? { attempt: last.attempt, seq: last.seq } : null,
    };
  }

  /** The whole log as text: one line per logged line, a header before each attempt. */
  async asText(runId: string): Promise<string> {
    const out: string[] = [];
    let attempt = 0;
    let after: RunLogPage["next"] = null;
    do {
      const page: RunLogPage = await this.page({
        runId,
        after: after ?? undefined,
        limit: RUN_LOG_MAX_PAGE,
      });
      for (const line of page.lines) {
        if (line.attempt !== attempt) {
          attempt = line.attempt;
          out.push(`# attempt ${attempt}`);
        }
        // A message spanning lines (a stack) keeps its continuation lines indented under it.
        out.push(formatRunLogLine(line).replace(/\n/g, "\n    "));
      }
      after = page.next;
    } while (after);
    if (out.length === 0) out.push("# no log lines yet");
    return `${out.join("\n")}\n`;
  }
}
