import type { RunLogLine } from "@tlab/core/run-log";

/** The react-query key of a run's whole log, as the run page holds it. */
export function runLogQueryKey(runId: string) {
  return ["run-log", runId] as const;
}

/**
 * `old` plus the lines of `added` it does not have, in (attempt, seq) order: the event stream
 * and a refetch may both deliver a line, and the page shows it once.
 */
export function mergeLogLines(
  old: readonly RunLogLine[],
  added: readonly RunLogLine[],
): RunLogLine[] {
  if (added.length === 0) return [...old];
  const last = old.at(-1);
  // The usual case: the stream continues where the cache ends.
  if (!last || added.every((l) => compare(l, last) > 0)) return [...old, ...added];
  const byKey = new Map(old.map((l) => [`${l.attempt}.${l.seq}`, l]));
  for (const l of added)
    if (!byKey.has(`${l.attempt}.${l.seq}`)) byKey.set(`${l.attempt}.${l.seq}`, l);
  return [...byKey.values()].sort(compare);
}

/** "<attempt>.<seq>" of the last line, as the event stream's `logAfter` parameter takes it. */
export function logCursor(lines: readonly RunLogLine[] | undefined): string | undefined {
  const last = lines?.at(-1);
  return last ? `${last.attempt}.${last.seq}` : undefined;
}

function compare(a: RunLogLine, b: RunLogLine): number {
  return a.attempt - b.attempt || a.seq - b.seq;
}
