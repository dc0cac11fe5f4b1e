/**
 * `npm start`: the whole platform on one machine. Applies migrations, installs the shipped base
 * models (building the built-in one if missing), serves the dashboard and API on PORT and runs one
 * local trainer worker against it.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import { BUILTIN_BASE_MODEL } from "@tlab/core/presets";

const ROOT = path.resolve(import.meta.dirname, "../../..");
const WEB_DIR = path.join(ROOT, "apps/web");
const TRAINER_CLI = path.join(ROOT, "apps/trainer/src/cli.ts");
const BIN = path.join(ROOT, "node_modules/.bin");
/** Preloaded into the web server and the workers: they stop when this process is gone, even after a SIGKILL. */
const EXIT_WITH_PARENT = path.join(import.meta.dirname, "exit-with-parent.mjs");

const env = z
  .object({
    PORT: z.coerce
      .number()
      .int()
      .min(1)
      .max(65535, "PORT must be a port number 1-65535")
      .default(3000),
    DATA_DIR: z.string().default("data"),
    DATABASE_URL: z.string().optional(),
    TLAB_WORKER_TOKEN: z
      .string()
      .min(16, "TLAB_WORKER_TOKEN must be at least 16 characters")
      .optional(),
    TLAB_LOCAL_WORKERS: z.coerce.number().int().min(0).max(16).default(1),
    TLAB_ADMIN_EMAIL: z.string().optional(),
    TLAB_ADMIN_PASSWORD: z.string().optional(),
  })
  .parse(process.env);

const dataDir = path.resolve(ROOT, env.DATA_DIR);
const databaseUrl = env.DATABASE_URL || `file:${path.join(dataDir, "tlab.db")}`;
// Owner-only from the first file on: migrations create tlab.db (password hashes), the children
// (web server, worker) inherit the umask, and the data directory is not for other local users.
process.umask(0o077);
mkdirSync(dataDir, { recursive: true, mode: 0o700 });
const workerToken = env.TLAB_WORKER_TOKEN ?? readOrCreateToken(path.join(dataDir, "worker-token"));
/**
 * The embedded default is a one-machine install: unless an admin is configured, the first start
 * creates `admin@tlab.localhost` with a random password kept in DATA_DIR/local-admin.json (mode 0600),
 * and the local `tlab` CLI gets that admin's personal token in DATA_DIR/cli-token, so
 * `npm run tlab -- launch` works right after `npm start` without opening the server to anyone.
 */
const LOCAL_ADMIN_FILE = path.join(dataDir, "local-admin.json");
const CLI_TOKEN_FILE = path.join(dataDir, "cli-token");
/**
 * The web server answers /api/health with `starting` until this file says `ready`: the local CLI's
 * sign-in needs the server up, and a script that waits for health must find the CLI signed in.
 */
const STARTUP_STATE_FILE = path.join(dataDir, "startup-state");
const envAdmin =
  env.TLAB_ADMIN_EMAIL && env.TLAB_ADMIN_PASSWORD
    ? { email: env.TLAB_ADMIN_EMAIL, password: env.TLAB_ADMIN_PASSWORD }
    : undefined;
const admin = envAdmin ?? readOrCreateLocalAdmin();
const childEnv = {
  ...process.env,
  DATA_DIR: dataDir,
  DATABASE_URL: databaseUrl,
  TLAB_WORKER_TOKEN: workerToken,
  PORT: String(env.PORT),
  TLAB_ADMIN_EMAIL: admin.email,
  TLAB_ADMIN_PASSWORD: admin.password,
  // The web server names where the admin it creates comes from: not the variables when made up here.
  TLAB_ADMIN_SOURCE: envAdmin
    ? "TLAB_ADMIN_EMAIL"
    : `npm start's local admin; its password is in ${LOCAL_ADMIN_FILE}`,
  TLAB_STARTUP_STATE_FILE: STARTUP_STATE_FILE,
};

function readOrCreateLocalAdmin(): { email: string; password: string } {
  if (existsSync(LOCAL_ADMIN_FILE))
    return z
      .object({ email: z.string(), password: z.string() })
      .parse(JSON.parse(readFileSync(LOCAL_ADMIN_FILE, "utf8")));
  const created = {
    email: "admin@tlab.localhost",
    password: randomBytes(18).toString("base64url"),
  };
  writeFileSync(LOCAL_ADMIN_FILE, `${JSON.stringify(created, null, 2)}\n`, { mode: 0o600 });
  return created;
}

/** Signs the admin in through the CLI (as a user would) and keeps the token for local CLI use. */
function issueLocalCliToken(): void {
  if (existsSync(CLI_TOKEN_FILE)) return;
  const result = spawnSync(
    path.join(BIN, "tsx"),
    [TRAINER_CLI, "login", "--email", admin.email, "--password-stdin", "--print"],
    {
      cwd: ROOT,
      env: {
        ...childEnv,
        TLAB_API_URL: `http://127.0.0.1:${env.PORT}`,
        XDG_CONFIG_HOME: path.join(dataDir, ".config"),
      },
      input: `${admin.password}\n`,
      encoding: "utf8",
    },
  );
  const token = result.stdout.trim();
  if (result.status !== 0 || !token) {
    log(
      `could not sign in as ${admin.email} for the local CLI (${result.stderr.trim().split("\n").at(-1) ?? "unknown error"}); use \`tlab login\``,
    );
    return;
  }
  writeFileSync(CLI_TOKEN_FILE, token, { mode: 0o600 });
}

function log(message: string): void {
  process.stderr.write(`[tlab] ${message}\n`);
}

function readOrCreateToken(file: string): string {
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  const token = randomBytes(32).toString("hex");
  writeFileSync(file, token, { mode: 0o600 });
  return token;
}

function run(command: string, args: string[], opts: { cwd?: string; what: string }): void {
  const result = spawnSync(command, args, {
    cwd: opts.cwd ?? ROOT,
    env: childEnv,
    stdio: "inherit",
  });
  if (result.status !== 0) {
    log(`${opts.what} failed (exit ${result.status ?? result.signal})`);
    process.exit(1);
  }
}

const SHIPPED_BASE_MODELS = path.join(ROOT, "apps/trainer/assets/base-models");

/**
 * Copies every shipped base model (apps/trainer/assets/base-models: the committed LeNet-5, and
 * what `tlab build-base` wrote there) into DATA_DIR/base-models where missing, as serve-web.sh
 * does; the web server registers them at start. The built-in LeNet-5 is pretrained when missing.
 */
function installShippedBaseModels(): void {
  const shipped = existsSync(SHIPPED_BASE_MODELS)
    ? readdirSync(SHIPPED_BASE_MODELS, { withFileTypes: true })
    : [];
  for (const entry of shipped) {
    if (!entry.isDirectory() || entry.name.startsWith(".")) continue;
    const source = path.join(SHIPPED_BASE_MODELS, entry.name);
    const target = path.join(dataDir, "base-models", entry.name);
    if (existsSync(path.join(target, "model.json")) || !existsSync(path.join(source, "model.json")))
      continue;
    cpSync(source, target, { recursive: true });
    log(`installed base model ${entry.name}`);
  }
  if (existsSync(path.join(dataDir, "base-models", BUILTIN_BASE_MODEL, "model.json"))) return;
  log(`building the built-in base model ${BUILTIN_BASE_MODEL} (tlab pretrain)`);
  run(
    path.join(BIN, "tsx"),
    [TRAINER_CLI, "pretrain", "--out", path.join(dataDir, "base-models", BUILTIN_BASE_MODEL)],
    { what: "tlab pretrain" },
  );
}

interface HealthBody {
  status?: string;
  waitingFor?: string;
  reason?: string;
}

/**
 * Polls /api/health until `ready(body)`. A `degraded` answer is reported once (the database's
 * reason) and waited through, as an operator may be freeing disk space.
 */
async function waitForHealth(
  url: string,
  child: ChildProcess,
  ready: (body: HealthBody) => boolean,
  what: string,
): Promise<void> {
  let reported = "";
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error("the web server exited during start-up");
    try {
      const body = (await (await fetch(url)).json()) as HealthBody;
      if (ready(body)) return;
      if (body.status === "degraded" && body.reason !== reported) {
        reported = body.reason ?? "";
        log(`the server reports a problem: ${reported}`);
      }
    } catch {
      // not listening yet
    }
    await sleep(250);
  }
  throw new Error(`${what}: no ready answer from ${url} after 150 s`);
}

/**
 * Shutdown order: the workers first, since releasing their runs to the queue goes through the web
 * server, then the web server. Each step waits a bounded time and then kills what is left, so the
 * platform never exits leaving a child behind. A worker stops after its current batch; 15 s also
 * covers a slow release.
 */
const WORKER_STOP_GRACE_MS = 15_000;
const WEB_STOP_GRACE_MS = 10_000;

const workers = new Set<ChildProcess>();
let web: ChildProcess | undefined;
let stopping = false;

/**
 * Children run in their own process groups (detached), so a Ctrl-C in the terminal reaches only
 * this process, which stops them in order; signalled together, the web server would be gone
 * before a worker could give its run back. Each child runs exit-with-parent.mjs, so it stops when
 * this process dies without stopping them (SIGKILL, a crash).
 */
function spawnChild(
  nodeArgs: string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv },
): ChildProcess {
  return spawn(process.execPath, ["--import", EXIT_WITH_PARENT, ...nodeArgs], {
    ...opts,
    stdio: "inherit",
    detached: true,
  });
}

function startWorker(index: number): void {
  if (stopping) return;
  // Node runs the CLI with tsx as a loader, not under tsx's wrapper process: the wrapper gives a
  // child 30 ms to acknowledge a signal and SIGKILLs it otherwise, and a worker busy in a training
  // step cannot answer that fast, so it would die without giving its run back.
  const worker = spawnChild(
    ["--import", "tsx", TRAINER_CLI, "worker", "--name", `local-${index + 1}`],
    {
      cwd: ROOT,
      env: {
        ...childEnv,
        TLAB_API_URL: `http://127.0.0.1:${env.PORT}`,
        TLAB_CACHE_DIR: path.join(dataDir, "worker-cache"),
      },
    },
  );
  workers.add(worker);
  recordChildren();
  worker.on("exit", (code, signal) => {
    workers.delete(worker);
    recordChildren();
    if (stopping) return;
    log(`local worker ${index + 1} exited (${code ?? signal}); restarting in 2 s`);
    setTimeout(() => startWorker(index), 2000);
  });
}

function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** Kills a child's whole process group: next start runs its server in a process of its own. */
function killGroup(child: ChildProcess): void {
  if (!child.pid) return;
  try {
    process.kill(-child.pid, "SIGKILL");
  } catch {
    // the group is gone already
  }
}

/** SIGTERM, then SIGKILL for whatever has not exited within `graceMs`. */
async function stopChildren(
  children: ChildProcess[],
  graceMs: number,
  what: string,
): Promise<void> {
  const running = children.filter(isRunning);
  if (running.length === 0) return;
  const exited = Promise.all(
    running.map((child) => new Promise((resolve) => child.once("exit", resolve))),
  );
  // To the child alone: next start relays it to its server, which would otherwise get it twice.
  for (const child of running) child.kill("SIGTERM");
  const timedOut = await Promise.race([exited.then(() => false), sleep(graceMs).then(() => true)]);
  if (!timedOut) return;
  const left = running.filter(isRunning);
  log(`${left.length} ${what}(s) still running after ${graceMs / 1000} s; killing them`);
  for (const child of left) killGroup(child);
  await exited;
}

async function stopAll(reason: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log(`stopping (${reason}): local workers first, then the web server`);
  await stopChildren([...workers], WORKER_STOP_GRACE_MS, "local worker");
  if (web) await stopChildren([web], WEB_STOP_GRACE_MS, "web server");
  releaseDataDir();
  process.exit();
}

/**
 * One `npm start` per data directory: a second one would run migrations and a second server on
 * the same SQLite file. DATA_DIR/npm-start.pid names the running one and its children; it is left
 * behind only when `npm start` was killed, and then counts only while one of them still runs.
 */
const PID_FILE = path.join(dataDir, "npm-start.pid");
const PidFile = z.object({ pid: z.number().int(), children: z.array(z.number().int()) });
let ownsPidFile = false;

function claimDataDir(): void {
  if (existsSync(PID_FILE)) {
    let held: z.infer<typeof PidFile> | undefined;
    try {
      held = PidFile.parse(JSON.parse(readFileSync(PID_FILE, "utf8")));
    } catch {
      // unreadable: written by an interrupted start; take it over
    }
    const alive = held ? [held.pid, ...held.children].filter(isPlatformProcess) : [];
    if (held && alive.length > 0) {
      log(
        `${dataDir} is in use by another npm start (pid ${held.pid}; still running: ${alive.join(", ")}). ` +
          `Stop it first (kill ${alive.join(" ")}), or give this one its own DATA_DIR and PORT.`,
      );
      process.exit(1);
    }
  }
  ownsPidFile = true;
  recordChildren();
}

/** Whether `pid` runs and is one of ours (a recycled pid after a reboot is not). */
function isPlatformProcess(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  try {
    const command = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    return /start-platform|next|cli\.ts/.test(command);
  } catch {
    return true; // no /proc (macOS): trust the pid
  }
}

function recordChildren(): void {
  if (!ownsPidFile) return;
  const children = [web, ...workers].flatMap((child) =>
    child?.pid && isRunning(child) ? [child.pid] : [],
  );
  writeFileSync(PID_FILE, `${JSON.stringify({ pid: process.pid, children })}\n`, { mode: 0o600 });
}

function releaseDataDir(): void {
  if (ownsPidFile) rmSync(PID_FILE, { force: true });
  ownsPidFile = false;
}

/** Says plainly when PORT is taken, instead of the web server's stack trace after a minute of start-up. */
async function ensurePortFree(port: number): Promise<void> {
  const error = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
    const probe = createServer();
    probe.once("error", (e: NodeJS.ErrnoException) => resolve(e));
    probe.listen(port, () => probe.close(() => resolve(null)));
  });
  if (!error) return;
  const why =
    error.code === "EADDRINUSE"
      ? "is already in use by another program (an earlier npm start still running?)"
      : `cannot be used (${error.code ?? error.message})`;
  throw new Error(
    `port ${port} ${why}: stop that program, or start on another port with PORT=<port> npm start`,
  );
}

async function main(): Promise<void> {
  claimDataDir();
  log(`data directory ${dataDir}`);
  await ensurePortFree(env.PORT);
  writeFileSync(STARTUP_STATE_FILE, "npm start is signing the local CLI in", { mode: 0o600 });
  run(path.join(BIN, "prisma"), ["migrate", "deploy", "--config", "prisma/prisma.config.ts"], {
    what: "database migration",
  });
  installShippedBaseModels();
  if (!existsSync(path.join(WEB_DIR, ".next/BUILD_ID"))) {
    log("building the dashboard (first start only; about a minute)");
    run(path.join(BIN, "next"), ["build"], { cwd: WEB_DIR, what: "next build" });
  }
  const server = spawnChild(
    [path.join(ROOT, "node_modules/next/dist/bin/next"), "start", "-p", String(env.PORT)],
    { cwd: WEB_DIR, env: childEnv },
  );
  web = server;
  recordChildren();
  server.on("exit", (code, signal) => {
    if (!stopping) {
      log(`web server exited (${code ?? signal})`);
      process.exitCode = 1;
      void stopAll("the web server exited");
    }
  });
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const)
    process.on(signal, () => void stopAll(signal));
  const health = `http://127.0.0.1:${env.PORT}/api/health`;
  await waitForHealth(
    health,
    server,
    (body) =>
      body.status === "ok" || (body.status === "starting" && body.waitingFor === "platform"),
    "web server start",
  );
  issueLocalCliToken();
  writeFileSync(STARTUP_STATE_FILE, "ready", { mode: 0o600 });
  await waitForHealth(health, server, (body) => body.status === "ok", "platform start");
  log(`dashboard on http://localhost:${env.PORT}`);
  if (!envAdmin) log(`sign in as ${admin.email}; the password is in ${LOCAL_ADMIN_FILE}`);
  for (let i = 0; i < env.TLAB_LOCAL_WORKERS; i++) startWorker(i);
}

main().catch((error: unknown) => {
  log(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
  void stopAll("start-up failed");
});
