import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

export const ROOT = path.resolve(import.meta.dirname, "../../..");
export const TSX = path.join(ROOT, "node_modules/.bin/tsx");

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address
          ? resolve(address.port)
          : reject(new Error("no port")),
      );
    });
  });
}

export interface Platform {
  url: string;
  dataDir: string;
  /** The start-platform process (`npm start`); its web server and workers are its children. */
  child: ChildProcess;
  output: () => string;
  /** The worker token the server wrote to DATA_DIR/worker-token, for standalone workers. */
  workerToken: () => string;
  stop: () => Promise<void>;
}

/** The live processes below `pid` (children, grandchildren, ...), zombies excluded. */
export function descendants(pid: number): number[] {
  const rows = execFileSync("ps", ["-e", "-o", "pid=,ppid=,stat="], { encoding: "utf8" })
    .trim()
    .split("\n")
    .map((line) => line.trim().split(/\s+/))
    .map(([p, pp, stat]) => ({
      pid: Number(p),
      ppid: Number(pp),
      zombie: stat?.startsWith("Z") ?? false,
    }));
  const found: number[] = [];
  const walk = (parent: number) => {
    for (const row of rows) {
      if (row.ppid !== parent || row.zombie) continue;
      found.push(row.pid);
      walk(row.pid);
    }
  };
  walk(pid);
  return found;
}

/** Whether a process is still running (a zombie waiting to be reaped is not). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = execFileSync("ps", ["-o", "stat=", "-p", String(pid)], { encoding: "utf8" }).trim();
  return stat !== "" && !stat.startsWith("Z");
}

/**
 * Starts the platform exactly as `npm start` does (migrations, dashboard + API, local workers)
 * on a free port and a fresh data directory.
 */
export async function startPlatform(
  opts: {
    workers?: number;
    admin?: { email: string; password: string };
    env?: Record<string, string>;
  } = {},
): Promise<Platform> {
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(tmpdir(), "tlab-e2e-"));
  let log = "";
  // As `npm start` runs it: node with tsx as a loader (tsx's wrapper would SIGKILL it when it is
  // slow to acknowledge a signal).
  const child: ChildProcess = spawn(
    process.execPath,
    ["--import", "tsx", path.join(ROOT, "apps/web/scripts/start-platform.ts")],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        PORT: String(port),
        DATA_DIR: dataDir,
        DATABASE_URL: "",
        TLAB_LOCAL_WORKERS: String(opts.workers ?? 1),
        TLAB_LOG_LEVEL: "info",
        // With `admin`, the server creates that account at start (non-interactive first start).
        TLAB_ADMIN_EMAIL: opts.admin?.email ?? "",
        TLAB_ADMIN_PASSWORD: opts.admin?.password ?? "",
        ...opts.env,
      },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    },
  );
  child.stdout?.on("data", (d: Buffer) => (log += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (log += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null && child.pid) {
      // start-platform stops its children in order (workers within 15 s, then the web server within
      // 10 s); they run in process groups of their own, so the group signal (which also reaches a
      // start-up step such as the migration) leaves the order to it. Past that, kill what is left.
      const children = descendants(child.pid);
      process.kill(-child.pid, "SIGTERM");
      for (let i = 0; i < 120 && child.exitCode === null && child.signalCode === null; i++)
        await sleep(250);
      if (child.exitCode === null && child.signalCode === null) {
        for (const pid of [child.pid, ...children, ...descendants(child.pid)]) {
          try {
            process.kill(pid, "SIGKILL");
          } catch {
            // gone already
          }
        }
      }
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 280_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`platform exited during start-up:\n${log}`);
    const ready =
      opts.workers === 0 ? log.includes("dashboard on") : log.includes("worker registered");
    if (ready)
      return {
        url,
        dataDir,
        child,
        output: () => log,
        workerToken: () => readFileSync(path.join(dataDir, "worker-token"), "utf8").trim(),
        stop,
      };
    await sleep(500);
  }
  await stop();
  throw new Error(`platform did not start a worker within 280 s:\n${log}`);
}

/**
 * Runs `tlab <args>` against the platform and returns its stdout. `token` is the personal API
 * token user commands send (TLAB_TOKEN); `stdin` is written to its standard input.
 */
export async function tlab(
  url: string,
  args: string[],
  opts: { token?: string; stdin?: string } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(TSX, [path.join(ROOT, "apps/trainer/src/cli.ts"), ...args], {
    cwd: ROOT,
    // A private config home, so no credentials saved by `tlab login` leak between tests or from the machine.
    // No saved login and no local cli-token: the token a test passes is the only credential.
    env: {
      ...process.env,
      TLAB_API_URL: url,
      TLAB_TOKEN: opts.token ?? "",
      XDG_CONFIG_HOME: path.join(tmpdir(), "tlab-e2e-config"),
      DATA_DIR: path.join(tmpdir(), "tlab-e2e-no-data"),
    },
    stdio: [opts.stdin === undefined ? "ignore" : "pipe", "pipe", "pipe"],
  });
  if (opts.stdin !== undefined) child.stdin?.end(opts.stdin);
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  return { code, stdout, stderr };
}

/** A personal API token for `user`, got with `tlab login` as a user would. */
export async function personalToken(
  url: string,
  user: { email: string; password: string },
): Promise<string> {
  const login = await tlab(url, ["login", "--email", user.email, "--password-stdin", "--print"], {
    stdin: `${user.password}\n`,
  });
  if (login.code !== 0)
    throw new Error(`tlab login as ${user.email} exited ${login.code}: ${login.stderr}`);
  return login.stdout.trim();
}
