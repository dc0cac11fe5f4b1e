/**
 * A write the server's storage refused: the disk (or quota) is full, or the file system is
 * read-only. Not a bug in the request and not something a retry fixes at once, so the API answers
 * it with its own status and cause instead of a generic 500: 507 Insufficient Storage for a full
 * disk, 503 Service Unavailable for a read-only one (tRPC, which has no 507, answers 503 for both).
 */
export interface StorageFailure {
  status: 507 | 503;
  /** What happened and what to do, for the worker's run log, the dashboard and the operator. */
  message: string;
}

const FULL = "the server's storage is full";
const READ_ONLY = "the server's storage is read-only";
const ADVICE =
  "nothing was stored; an operator must free space on (or remount) the server's data disk, then try again (workers retry by themselves)";

/** The storage failure behind `error` (or one of its causes), or null for any other error. */
export function storageFailureOf(error: unknown): StorageFailure | null {
  for (
    let current = error, depth = 0;
    current && depth < 5;
    current = (current as { cause?: unknown }).cause, depth++
  ) {
    const code =
      typeof current === "object" ? String((current as { code?: unknown }).code ?? "") : "";
    const message =
      current instanceof Error ? current.message : typeof current === "string" ? current : "";
    if (
      code === "ENOSPC" ||
      code === "EDQUOT" ||
      code === "SQLITE_FULL" ||
      /database or disk is full|ENOSPC|no space left on device/i.test(message)
    ) {
      return { status: 507, message: `${FULL} (${code || "disk full"}): ${ADVICE}` };
    }
    if (
      code === "EROFS" ||
      code === "SQLITE_READONLY" ||
      /readonly database|EROFS|read-only file system/i.test(message)
    ) {
      return { status: 503, message: `${READ_ONLY} (${code || "read-only"}): ${ADVICE}` };
    }
  }
  return null;
}
