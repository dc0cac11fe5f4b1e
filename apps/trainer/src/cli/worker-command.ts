import { Command, InvalidArgumentError, Option } from "commander";
import { readEnv } from "../env";
import { createLogger } from "../logger";
import { wasmThreadsFor } from "../tf/wasm-thread-count";
import { runWorkerPool, withoutOption } from "../worker/run-pool";
import { runWorker } from "../worker/run-worker";

export function workerCommand(): Command {
  return new Command("worker")
    .description("claim queued runs from the API and train them, one at a time")
    .option("--api-url <url>", "Transfer Lab API URL (env TLAB_API_URL)")
    .addOption(
      new Option("--backend <name>", "TensorFlow.js backend (env TLAB_BACKEND)").choices([
        "auto",
        "tensorflow-gpu",
        "tensorflow",
        "wasm",
        "cpu",
      ]),
    )
    .option("--name <name>", "worker name shown in the dashboard (default: host-pid)")
    .option(
      "--poll <ms>",
      "how often to ask for work when the queue is empty",
      (v) => parsePositiveInt(v, "--poll"),
      1000,
    )
    .option("--max-runs <n>", "exit after this many runs", (v) => parsePositiveInt(v, "--max-runs"))
    .option("--exit-when-idle", "exit when no run is queued instead of waiting")
    .option(
      "--concurrency <n>",
      "train N runs at once, one child process each (tfjs trains one model per process)",
      (v) => parsePositiveInt(v, "--concurrency"),
      1,
    )
    .action(
      async (opts: {
        apiUrl?: string;
        backend?: "auto";
        name?: string;
        poll: number;
        maxRuns?: number;
        exitWhenIdle?: boolean;
        concurrency: number;
      }) => {
        const env = readEnv();
        const log = createLogger(env.TLAB_LOG_LEVEL);
        if (opts.concurrency > 1) {
          await runWorkerPool({
            concurrency: opts.concurrency,
            argv: withoutOption(process.argv.slice(2), "--concurrency"),
            log,
          });
          return;
        }
        const stop = new AbortController();
        const kill = new AbortController();
        // SIGTERM/SIGINT: stop after the current batch, give the run back to the queue, exit. Runs can
        // last longer than any shutdown grace period, so finishing them is not an option.
        const onSignal = (signal: string) => {
          log.info({ signal }, "shutting down: releasing the current run");
          stop.abort();
          kill.abort();
        };
        process.on("SIGTERM", () => onSignal("SIGTERM"));
        process.on("SIGINT", () => onSignal("SIGINT"));
        // A pool child whose parent died (SIGKILL) must not train on alone.
        process.on("disconnect", () => onSignal("disconnect"));
        await runWorker({
          apiUrl: opts.apiUrl ?? env.TLAB_API_URL,
          token: env.TLAB_WORKER_TOKEN,
          backend: opts.backend ?? env.TLAB_BACKEND,
          wasmThreads: wasmThreadsFor({
            override: env.TLAB_THREADS,
            processes: env.TLAB_WORKER_PROCESSES,
          }),
          name:
            opts.name && env.TLAB_WORKER_SLOT ? `${opts.name}-${env.TLAB_WORKER_SLOT}` : opts.name,
          cacheDir: env.TLAB_CACHE_DIR,
          featureCacheMaxBytes: env.TLAB_FEATURE_CACHE_MAX_MB * 2 ** 20,
          deviceMemoryBytes:
            env.TLAB_DEVICE_MEMORY_MB === undefined
              ? undefined
              : env.TLAB_DEVICE_MEMORY_MB * 2 ** 20,
          pollIntervalMs: opts.poll,
          maxRuns: opts.maxRuns,
          exitWhenIdle: opts.exitWhenIdle,
          log,
          stop: stop.signal,
          kill: kill.signal,
          faultInjection: env.TLAB_FAULT_INJECT,
        });
      },
    );
}

export function parsePositiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidArgumentError(`${flag} must be a whole number ≥ 1, got "${value}"`);
  return n;
}
