import { fork, type ChildProcess } from "node:child_process";
import type { EventEmitter } from "node:events";
import path from "node:path";

/**
 * `tlab worker --concurrency N`: N worker processes side by side, each training one run at a time.
 * One training per process is the rule here: tfjs-node is unreliable in worker threads. The wasm
 * backend runs a thread pool per process; each child is told how many processes share the host
 * (TLAB_WORKER_PROCESSES) and takes its share of the cores.
 *
 * The pool forks each child with the same worker arguments and supervises it:
 * - a child that crashes (non-zero exit, or killed by a signal the pool did not send) is restarted
 *   after a backoff that doubles with each crash in a row (reset once a child stays up a while);
 * - a child that exits with code 0 is done (it was told to: --max-runs, --exit-when-idle);
 * - each SIGTERM / SIGINT the pool receives is forwarded, once, to every running child, which
 *   reacts as a lone worker would (today: release its run to the queue and exit). Pending restarts
 *   are cancelled and nothing new is started;
 * - the pool returns once every child has exited for good.
 *
 * Children run in their own process group, so a Ctrl-C in the terminal reaches each of them
 * exactly once, through the pool, instead of twice (directly and forwarded).
 */

export interface PoolLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface WorkerPoolOptions {
  /** Number of worker processes, ≥ 1. */
  concurrency: number;
  /** Arguments of each child after the script, e.g. ["worker", "--backend", "wasm"] (no --concurrency). */
  argv: string[];
  log: PoolLogger;
  /** Script the children run; default: the tlab CLI (src/cli.ts). */
  script?: string;
  /** Node flags of the children; default: this process's (which carry tsx's loader under tsx). */
  execArgv?: string[];
  /** Environment of the children; TLAB_WORKER_SLOT (0..N-1) and TLAB_WORKER_PROCESSES (N) are added. Default: this process's. */
  env?: NodeJS.ProcessEnv;
  /** Restart delay: initialMs after a first crash, doubling up to maxMs; reset after stableMs of uptime. */
  backoff?: { initialMs: number; maxMs: number; stableMs: number };
  /** Give up on a slot after this many restarts in a row without a stable run (default: never). */
  maxConsecutiveRestarts?: number;
  /** Where SIGTERM / SIGINT come from (default: this process). */
  signals?: Pick<EventEmitter, "on" | "off">;
  /** Aborting it stops the pool like a first SIGTERM. */
  stop?: AbortSignal;
}

export interface SlotResult {
  slot: number;
  /** How the slot's last child ended. */
  code: number | null;
  signal: NodeJS.Signals | null;
  restarts: number;
  /** True when the slot was abandoned after too many consecutive crashes. */
  gaveUp: boolean;
}

const FORWARDED_SIGNALS = ["SIGTERM", "SIGINT"] as const;
const DEFAULT_BACKOFF = { initialMs: 1_000, maxMs: 60_000, stableMs: 5 * 60_000 };
export const DEFAULT_WORKER_SCRIPT = path.resolve(import.meta.dirname, "../cli.ts");

interface Slot {
  index: number;
  child: ChildProcess | null;
  startedAt: number;
  restarts: number;
  crashesInARow: number;
  restartTimer: NodeJS.Timeout | null;
  /** Set once the slot will not run another child. */
  result: SlotResult | null;
}

export function runWorkerPool(options: WorkerPoolOptions): Promise<SlotResult[]> {
  const { concurrency, log } = options;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    return Promise.reject(
      new RangeError(`concurrency must be a whole number ≥ 1, got ${concurrency}`),
    );
  }
  const script = options.script ?? DEFAULT_WORKER_SCRIPT;
  const execArgv = options.execArgv ?? process.execArgv;
  const env = options.env ?? process.env;
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  const maxRestarts = options.maxConsecutiveRestarts ?? Number.POSITIVE_INFINITY;
  const signals = options.signals ?? process;
  let stopping = false;

  return new Promise<SlotResult[]>((resolve) => {
    const slots: Slot[] = Array.from({ length: concurrency }, (_, index) => ({
      index,
      child: null,
      startedAt: 0,
      restarts: 0,
      crashesInARow: 0,
      restartTimer: null,
      result: null,
    }));

    const finishIfDone = () => {
      if (slots.some((slot) => slot.result === null)) return;
      for (const name of FORWARDED_SIGNALS) signals.off(name, onSignal);
      options.stop?.removeEventListener("abort", onStop);
      process.off("exit", killChildren);
      resolve(slots.map((slot) => slot.result!));
    };

    const finish = (
      slot: Slot,
      code: number | null,
      signal: NodeJS.Signals | null,
      gaveUp = false,
    ) => {
      slot.child = null;
      slot.result = { slot: slot.index, code, signal, restarts: slot.restarts, gaveUp };
      finishIfDone();
    };

    const start = (slot: Slot) => {
      slot.restartTimer = null;
      slot.startedAt = Date.now();
      const child = fork(script, options.argv, {
        execArgv,
        // TLAB_WORKER_PROCESSES: each child's wasm backend takes its share of the host's cores.
        env: {
          ...env,
          TLAB_WORKER_SLOT: String(slot.index),
          TLAB_WORKER_PROCESSES: String(concurrency),
        },
        stdio: "inherit",
        detached: true,
      });
      slot.child = child;
      log.info({ slot: slot.index, pid: child.pid }, "worker process started");
      child.once("error", (error) =>
        log.error({ slot: slot.index, err: String(error) }, "worker process error"),
      );
      child.once("exit", (code, signal) => onExit(slot, code, signal));
    };

    const onExit = (slot: Slot, code: number | null, signal: NodeJS.Signals | null) => {
      const uptimeMs = Date.now() - slot.startedAt;
      if (stopping || code === 0) {
        log.info({ slot: slot.index, code, signal }, "worker process exited");
        finish(slot, code, signal);
        return;
      }
      slot.crashesInARow = uptimeMs >= backoff.stableMs ? 1 : slot.crashesInARow + 1;
      if (slot.crashesInARow > maxRestarts) {
        log.error(
          { slot: slot.index, code, signal, crashesInARow: slot.crashesInARow - 1 },
          "worker process keeps crashing; giving up on it",
        );
        finish(slot, code, signal, true);
        return;
      }
      const delayMs = Math.min(backoff.maxMs, backoff.initialMs * 2 ** (slot.crashesInARow - 1));
      log.warn(
        { slot: slot.index, code, signal, uptimeMs, delayMs },
        "worker process crashed; restarting",
      );
      slot.child = null;
      slot.restarts += 1;
      slot.restartTimer = setTimeout(() => start(slot), delayMs);
    };

    const stopAll = (signal: NodeJS.Signals) => {
      const first = !stopping;
      stopping = true;
      for (const slot of slots) {
        if (slot.restartTimer !== null) {
          clearTimeout(slot.restartTimer);
          slot.restartTimer = null;
          finish(slot, null, null);
        } else if (
          slot.child !== null &&
          slot.child.exitCode === null &&
          slot.child.signalCode === null
        ) {
          slot.child.kill(signal);
        }
      }
      log.info(
        { signal, children: slots.filter((s) => s.child !== null).length },
        first ? "stopping worker processes" : "forwarded again: stopping now",
      );
    };

    function onSignal(signal: NodeJS.Signals) {
      stopAll(signal);
    }
    function onStop() {
      stopAll("SIGTERM");
    }
    // Children are in their own process group: if the pool exits for any reason, they must not
    // stay behind unsupervised.
    function killChildren() {
      for (const slot of slots) slot.child?.kill("SIGTERM");
    }

    for (const name of FORWARDED_SIGNALS) signals.on(name, onSignal);
    options.stop?.addEventListener("abort", onStop, { once: true });
    process.on("exit", killChildren);
    for (const slot of slots) start(slot);
    if (options.stop?.aborted) onStop();
  });
}

/**
 * `argv` without every occurrence of `flag` and its value ("--flag value" or "--flag=value"):
 * how the pool's own command line (`tlab worker --concurrency 4 ...`) becomes its children's.
 */
export function withoutOption(argv: readonly string[], flag: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === flag) {
      i += 1; // skip the value too
      continue;
    }
    if (arg.startsWith(`${flag}=`)) continue;
    out.push(arg);
  }
  return out;
}
