import os from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import type { BackendRequest } from "../tf/backend";
import { initBackend } from "../tf/backend";
import { backendIsUsable, restartBackend } from "../tf/backend-recovery";
import { FaultInjector, type FaultInjection } from "../tf/fault-injection";
import type { Logger } from "../logger";
import { createApiClient, isTransientApiError } from "./api-client";
import { executeRun, type RunOutcome } from "./execute-run";
import { withRetry } from "./retry";

export interface WorkerOptions {
  apiUrl: string;
  token: string | undefined;
  backend: BackendRequest;
  /** Threads of the wasm backend (see wasmThreadsFor); default 1. */
  wasmThreads?: number;
  name?: string;
  cacheDir: string;
  featureCacheMaxBytes?: number;
  /** TLAB_DEVICE_MEMORY_MB: the tensor memory runs plan for instead of the backend's own limit. */
  deviceMemoryBytes?: number;
  pollIntervalMs: number;
  /** Stop after this many runs (tests, batch jobs); unlimited when undefined. */
  maxRuns?: number;
  /** Stop when the queue is empty instead of polling. */
  exitWhenIdle?: boolean;
  log: Logger;
  /** Aborting asks the worker to stop: it finishes nothing new and returns after the current run. */
  stop: AbortSignal;
  /** Aborting stops the current run at once (it is reported failed). */
  kill?: AbortSignal;
  /** Test hook (TLAB_FAULT_INJECT): a fault to inject into this worker's training. */
  faultInjection?: FaultInjection;
}

/** The worker loop: register, then claim and train runs one at a time until told to stop. */
export async function runWorker(opts: WorkerOptions): Promise<RunOutcome[]> {
  const { log } = opts;
  const backend = await initBackend(opts.backend, { wasmThreads: opts.wasmThreads });
  log.info(
    { backend: backend.backend, threads: backend.threads, device: backend.device },
    `backend ${backend.backend} with ${backend.threads} thread${backend.threads === 1 ? "" : "s"}`,
  );
  if (backend.threadsNote !== undefined)
    log.warn(
      { wanted: opts.wasmThreads, threads: backend.threads, reason: backend.threadsNote },
      "fewer wasm threads than asked for",
    );
  const api = createApiClient(opts.apiUrl, opts.token);
  const name = opts.name ?? `${os.hostname()}-${process.pid}`;
  const waitForApi = <T>(what: string, fn: () => Promise<T>) =>
    withRetry(fn, {
      maxElapsedMs: 10 * 60_000,
      isRetryable: isTransientApiError,
      signal: opts.stop,
      onRetry: (error, attempt) => {
        if (attempt === 1 || attempt % 10 === 0)
          log.warn(
            { err: String(error), apiUrl: opts.apiUrl },
            `${what}: API unreachable; retrying`,
          );
      },
    });
  const worker = await waitForApi("register", () =>
    api.worker.register.mutate({
      name,
      hostname: os.hostname(),
      backend: backend.backend,
      device: backend.device,
      versions: backend.versions,
    }),
  );
  log.info(
    {
      workerId: worker.id,
      name,
      backend: backend.backend,
      threads: backend.threads,
      device: backend.device,
      apiUrl: opts.apiUrl,
    },
    "worker registered",
  );
  const faults = opts.faultInjection ? new FaultInjector(opts.faultInjection) : undefined;
  if (opts.faultInjection)
    log.warn(
      { fault: opts.faultInjection },
      "fault injection is on (TLAB_FAULT_INJECT, a test hook)",
    );

  const outcomes: RunOutcome[] = [];
  const kill = opts.kill ?? new AbortController().signal;
  while (!opts.stop.aborted && (opts.maxRuns === undefined || outcomes.length < opts.maxRuns)) {
    // A claim retried after a failed call may have been granted with its reply lost: the retries
    // ask for the run this worker holds back rather than leave it to wait out its lease.
    let claimCalls = 0;
    const spec = await waitForApi("claim", () =>
      api.worker.claim.mutate({
        workerId: worker.id,
        ...(claimCalls++ > 0 ? { reclaim: true } : {}),
      }),
    );
    if (!spec) {
      if (opts.exitWhenIdle) break;
      await sleep(opts.pollIntervalMs, undefined, { signal: opts.stop }).catch(() => undefined);
      continue;
    }
    outcomes.push(
      await executeRun(spec, {
        api,
        apiUrl: opts.apiUrl,
        token: opts.token,
        workerId: worker.id,
        cacheDir: opts.cacheDir,
        featureCacheMaxBytes: opts.featureCacheMaxBytes,
        deviceMemoryBytes: opts.deviceMemoryBytes,
        log,
        backend: { backend: backend.backend, device: backend.device },
        shutdown: kill,
        afterTrainingStep: faults ? () => faults.afterTrainingStep() : undefined,
      }),
    );
    // A run can leave the backend unusable (the wasm module aborts when its heap runs out); the
    // run has failed with that reason, and the next one must not inherit the broken backend.
    if (!backendIsUsable()) {
      log.warn(
        { backend: backend.backend },
        "the backend stopped working during the last run; starting it afresh",
      );
      await restartBackend();
      log.info({ backend: backend.backend }, "backend restarted");
    }
  }
  log.info({ runs: outcomes.length }, "worker stopped");
  return outcomes;
}
