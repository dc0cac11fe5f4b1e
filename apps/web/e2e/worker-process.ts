import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { ROOT } from "./platform-harness";

export interface WorkerProcess {
  name: string;
  child: ChildProcess;
  output: () => string;
  /** True while the process runs. */
  alive: () => boolean;
  /** Resolves once the worker has registered with the API. */
  registered: () => Promise<void>;
  kill: (signal: NodeJS.Signals) => Promise<void>;
}

/**
 * A standalone `tlab worker`, configured as on a remote GPU host: the API URL, a worker token and
 * a cache directory of its own, nothing else (no DATA_DIR, no database). Node itself runs the CLI
 * (tsx as a loader, not tsx's wrapper process), so a signal sent to `child` reaches the worker.
 */
export function startWorkerProcess(opts: {
  apiUrl: string;
  token: string;
  name: string;
  cacheDir: string;
  env?: Record<string, string>;
}): WorkerProcess {
  let log = "";
  const env = { ...process.env };
  for (const key of Object.keys(env))
    if (key.startsWith("TLAB_") || key === "DATA_DIR" || key === "DATABASE_URL") delete env[key];
  Object.assign(env, {
    TLAB_API_URL: opts.apiUrl,
    TLAB_WORKER_TOKEN: opts.token,
    TLAB_CACHE_DIR: opts.cacheDir,
    TLAB_BACKEND: "wasm",
    ...opts.env,
  });
  const child: ChildProcess = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      path.join(ROOT, "apps/trainer/src/cli.ts"),
      "worker",
      "--name",
      opts.name,
      "--poll",
      "200",
    ],
    {
      cwd: ROOT,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  child.stdout?.on("data", (d: Buffer) => (log += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (log += d.toString()));
  const alive = () => child.exitCode === null && child.signalCode === null;
  return {
    name: opts.name,
    child,
    output: () => log,
    alive,
    registered: async () => {
      for (let i = 0; i < 1200 && !log.includes("worker registered"); i++) {
        if (!alive()) throw new Error(`worker ${opts.name} exited before registering:\n${log}`);
        await sleep(100);
      }
      if (!log.includes("worker registered"))
        throw new Error(`worker ${opts.name} did not register within 120 s:\n${log}`);
    },
    kill: async (signal) => {
      if (!alive()) return;
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill(signal);
      await exited;
    },
  };
}
