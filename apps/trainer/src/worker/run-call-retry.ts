import { TRPCClientError } from "@trpc/client";
import { isTransientApiError } from "./api-client";
import { withRetry } from "./retry";
import type { RunLogger } from "./run-logger";

/** How long a worker holding a run keeps retrying an unreachable API before it gives the run up. */
export const API_OUTAGE_TOLERANCE_MS = 10 * 60_000;
/**
 * How long it retries a server whose storage refuses writes (507, or 503 naming the storage): an
 * operator may free space, but a run should not sit for the whole outage tolerance on a full disk.
 */
export const STORAGE_FAILURE_TOLERANCE_MS = 3 * 60_000;

/** The artifact routes' answer (HTTP 507, or 503) when the server's disk is full or read-only. */
export class ServerStorageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ServerStorageError";
  }
}

/** Whether the server refused a call because its storage is full or read-only (see @tlab/core/storage-failure). */
export function isServerStorageFailure(error: unknown): boolean {
  if (error instanceof ServerStorageError) return true;
  return (
    error instanceof TRPCClientError &&
    (error.data as { httpStatus?: number } | undefined)?.httpStatus === 503 &&
    /the server's storage is/.test(error.message)
  );
}

export type RunCallRetry = <T>(what: string, fn: () => Promise<T>) => Promise<T>;

/**
 * Calls made while holding a run retry through an API outage: a restarting API must not cost the
 * run. The bound is not the lease: while no server answers, none can requeue the run (the sweeper
 * gives workers a lease after it starts), and once one answers, a run taken away is refused with
 * RUN_NOT_CLAIMED_BY_WORKER, which is not retried.
 *
 * A storage failure is written to the run's log (so the dashboard shows it) the first time, with
 * what the worker will do, and is retried for `storageToleranceMs` only; the error that ends the
 * retries carries the server's cause, which becomes the run's failure reason.
 */
export function createRunCallRetry(
  runLog: RunLogger,
  opts: {
    leaseMs: number;
    outageToleranceMs?: number;
    storageToleranceMs?: number;
    initialDelayMs?: number;
  },
): RunCallRetry {
  const outage = Math.max(opts.leaseMs, opts.outageToleranceMs ?? API_OUTAGE_TOLERANCE_MS);
  const storageTolerance = opts.storageToleranceMs ?? STORAGE_FAILURE_TOLERANCE_MS;
  return (what, fn) => {
    let storageFailingSince: number | undefined;
    let storageReported = false;
    return withRetry(fn, {
      maxElapsedMs: outage,
      initialDelayMs: opts.initialDelayMs,
      isRetryable: (error) => {
        if (!isTransientApiError(error) && !(error instanceof ServerStorageError)) return false;
        if (!isServerStorageFailure(error)) return true;
        storageFailingSince ??= Date.now();
        return Date.now() - storageFailingSince < storageTolerance;
      },
      onRetry: (error, attempt, delayMs) => {
        const message = error instanceof Error ? error.message : String(error);
        if (isServerStorageFailure(error) && !storageReported) {
          storageReported = true;
          runLog.error(
            `${what}: the server cannot store it: ${message}; retrying for up to ${Math.round(storageTolerance / 1000)} s, then the run fails`,
          );
          return;
        }
        runLog.warn({ err: message, attempt, delayMs }, `${what} failed; retrying`);
      },
    });
  };
}
