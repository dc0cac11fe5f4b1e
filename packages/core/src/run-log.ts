import { z } from "zod";

/**
 * A run's log: the lines its workers logged while training it, at info level and above.
 * Each line is keyed (runId, attempt, seq): seq counts from 0 within an attempt, so a retried
 * batch never duplicates a line and a resumed attempt's lines follow the previous attempt's.
 */

/** Lines one attempt keeps; seq RUN_LOG_MAX_LINES itself is reserved for the "… N lines dropped" marker. */
export const RUN_LOG_MAX_LINES = 5_000;
/** Longer messages are cut by the worker (and refused by the API). */
export const RUN_LOG_MAX_MESSAGE_CHARS = 2_000;
/** Lines per append call. */
export const RUN_LOG_MAX_BATCH = 1_000;
/** Lines per page when reading a log. */
export const RUN_LOG_MAX_PAGE = 2_000;

export const RunLogLevel = z.enum(["info", "warn", "error", "fatal"]);
export type RunLogLevel = z.infer<typeof RunLogLevel>;

const id = (field: string) =>
  z.string().min(1, `${field}: required`).max(64, `${field}: at most 64 characters`);

export const RunLogLineInput = z.object({
  seq: z
    .number({ error: "lines.seq: a whole number" })
    .int("lines.seq: a whole number")
    .min(0, "lines.seq: at least 0")
    .max(
      RUN_LOG_MAX_LINES,
      `lines.seq: at most ${RUN_LOG_MAX_LINES} (an attempt keeps ${RUN_LOG_MAX_LINES} lines and a final "lines dropped" marker)`,
    ),
  level: z.enum(RunLogLevel.options, {
    error: `lines.level: one of ${RunLogLevel.options.join(", ")}`,
  }),
  message: z
    .string({ error: "lines.message: a string" })
    .max(
      RUN_LOG_MAX_MESSAGE_CHARS,
      `lines.message: at most ${RUN_LOG_MAX_MESSAGE_CHARS} characters`,
    ),
  /** When the worker logged it, ISO 8601. */
  time: z.iso.datetime({ offset: true, error: "lines.time: an ISO 8601 date-time" }),
});
export type RunLogLineInput = z.infer<typeof RunLogLineInput>;

export const AppendRunLogInput = z.object({
  workerId: id("workerId"),
  runId: id("runId"),
  /** The attempt the worker holds; lines for any other attempt are refused. */
  attempt: z
    .number({ error: "attempt: a whole number" })
    .int("attempt: a whole number")
    .min(1, "attempt: at least 1"),
  lines: z
    .array(RunLogLineInput)
    .min(1, "lines: at least one line")
    .max(RUN_LOG_MAX_BATCH, `lines: at most ${RUN_LOG_MAX_BATCH} per call`),
});
export type AppendRunLogInput = z.infer<typeof AppendRunLogInput>;

/** A page of a run's log, in (attempt, seq) order, after the cursor when one is given. */
export const RunLogPageInput = z.object({
  runId: id("runId"),
  after: z
    .object({
      attempt: z.number().int("after.attempt: a whole number").min(0, "after.attempt: at least 0"),
      seq: z.number().int("after.seq: a whole number").min(-1, "after.seq: at least -1"),
    })
    .optional(),
  limit: z
    .number()
    .int("limit: a whole number")
    .min(1, "limit: at least 1")
    .max(RUN_LOG_MAX_PAGE, `limit: at most ${RUN_LOG_MAX_PAGE}`)
    .default(500),
});
export type RunLogPageInput = z.input<typeof RunLogPageInput>;

export interface RunLogLine {
  attempt: number;
  seq: number;
  level: RunLogLevel;
  message: string;
  /** ISO 8601. */
  time: string;
}

export interface RunLogPage {
  lines: RunLogLine[];
  /** Pass as `after` for the next page; null when this page is the end of the log so far. */
  next: { attempt: number; seq: number } | null;
}

/** One line of a downloaded log: `<time> <LEVEL> [attempt N] message`. */
export function formatRunLogLine(line: RunLogLine): string {
  return `${line.time} ${line.level.toUpperCase().padEnd(5)} [attempt ${line.attempt}] ${line.message}`;
}
