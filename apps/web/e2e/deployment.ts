import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { DEFAULT_TEST_POSTGRES_URL, testDbProvider } from "@tlab/db/testing/create-test-db";
import { freePort, ROOT } from "./platform-harness";

export interface DeploymentOptions {
  /** Names the data directory and the PostgreSQL database (`tlab-<name>-…`, `tlab_<name>_…`). */
  name: string;
  /** The first account, created by the first replica to start (TLAB_ADMIN_EMAIL / _PASSWORD). */
  admin: { email: string; password: string };
  /** TLAB_LEASE_MS: generous, so a loaded 2-core machine does not miss heartbeats. */
  leaseMs: number;
  /** How many web replicas share the database and data directory (1 unless PostgreSQL). */
  replicas?: number;
}

/** One web replica: serve-web.sh on a port of its own, kept across restarts. */
export class WebReplica {
  url = "";
  private port = 0;
  private web: ChildProcess | undefined;
  private webLog = "";

  constructor(
    readonly name: string,
    private readonly env: () => NodeJS.ProcessEnv,
    private readonly provider: string,
  ) {}

  async start(): Promise<void> {
    this.port ||= await freePort();
    this.url = `http://127.0.0.1:${this.port}`;
    // Its own process group, so SIGKILL takes the shell's whole tree (the next server it execs).
    const web = spawn("sh", [path.join(ROOT, "apps/web/scripts/serve-web.sh")], {
      cwd: ROOT,
      env: { ...this.env(), PORT: String(this.port) },
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.web = web;
    web.stdout?.on("data", (d: Buffer) => (this.webLog += d.toString()));
    web.stderr?.on("data", (d: Buffer) => (this.webLog += d.toString()));
    for (let i = 0; i < 480; i++) {
      if (web.exitCode !== null)
        throw new Error(`web replica ${this.name} exited (${web.exitCode}):\n${this.webLog}`);
      const health = await fetch(`${this.url}/api/health`).then(
        async (response) =>
          response.ok ? ((await response.json()) as { status: string; db: string }) : null,
        () => null, // not listening yet
      );
      if (health) {
        if (health.status !== "ok" || health.db !== this.provider) {
          throw new Error(
            `web replica ${this.name} reports ${JSON.stringify(health)}, expected status ok on ${this.provider}`,
          );
        }
        return;
      }
      await sleep(250);
    }
    throw new Error(
      `web replica ${this.name} did not become healthy within 120 s:\n${this.webLog}`,
    );
  }

  async kill(): Promise<void> {
    const web = this.web;
    if (!web?.pid || web.exitCode !== null || web.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => web.once("exit", () => resolve()));
    process.kill(-web.pid, "SIGKILL");
    await exited;
    // The port is free once the listening socket is gone.
    for (let i = 0; i < 100; i++) {
      try {
        await fetch(`${this.url}/api/health`);
      } catch {
        return;
      }
      await sleep(100);
    }
  }

  log(): string {
    return this.webLog;
  }
}

/**
 * The team topology of compose.yaml as local processes: a database (PostgreSQL under
 * `npm run test:pg`, a fresh database of its own; otherwise the embedded SQLite file) and the web
 * service started by the container image's own command (apps/web/scripts/serve-web.sh:
 * migrations, shipped base models, next start), as one or more replicas sharing the database,
 * DATA_DIR, auth secret and worker token. Workers are the test's own (worker-process.ts).
 */
export class Deployment {
  readonly provider = testDbProvider();
  readonly dataDir: string;
  readonly workerToken = randomBytes(32).toString("hex");
  readonly authSecret = randomBytes(32).toString("hex");
  readonly replicas: WebReplica[];
  databaseUrl: string;
  private postgresDatabase: { server: string; name: string } | undefined;

  constructor(private readonly options: DeploymentOptions) {
    const replicas = options.replicas ?? 1;
    // SQLite is a file one server process opens; replicas are a PostgreSQL deployment.
    if (replicas > 1 && this.provider !== "postgresql")
      throw new Error(
        `${replicas} web replicas need PostgreSQL (TLAB_TEST_DB=postgresql), not ${this.provider}`,
      );
    this.dataDir = mkdtempSync(path.join(os.tmpdir(), `tlab-${options.name}-`));
    this.databaseUrl = `file:${path.join(this.dataDir, "tlab.db")}`;
    this.replicas = Array.from(
      { length: replicas },
      (_, i) => new WebReplica(String.fromCharCode(65 + i), () => this.webEnv(), this.provider),
    );
  }

  /** The first replica's URL (the only one in a single-replica deployment). */
  get url(): string {
    return this.replicas[0]!.url;
  }

  async createDatabase(): Promise<void> {
    if (this.provider !== "postgresql") return;
    const server = process.env.TEST_POSTGRES_URL?.trim() || DEFAULT_TEST_POSTGRES_URL;
    const name = `tlab_${this.options.name.replace(/\W/g, "_")}_${randomBytes(6).toString("hex")}`;
    await withPostgres(server, (client) => client.query(`CREATE DATABASE "${name}"`));
    this.postgresDatabase = { server, name };
    const url = new URL(server);
    url.pathname = `/${name}`;
    this.databaseUrl = url.toString();
  }

  async dropDatabase(): Promise<void> {
    if (!this.postgresDatabase) return;
    const { server, name } = this.postgresDatabase;
    await withPostgres(server, (client) =>
      client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
    );
  }

  /**
   * Starts every replica, one after another. Prisma's `migrate deploy` takes an advisory lock, but
   * the rest of serve-web.sh is not safe to run twice at once on one DATA_DIR: a shipped base
   * model is copied when its `model.json` is missing, check then `cp -R`, and a second `cp -R`
   * into the directory the first has just made nests a copy inside it.
   */
  async startWeb(): Promise<void> {
    for (const replica of this.replicas) await replica.start();
  }

  async killWeb(): Promise<void> {
    await Promise.all(this.replicas.map((replica) => replica.kill()));
  }

  /** Every replica's output, each under its name. */
  log(): string {
    if (this.replicas.length === 1) return this.replicas[0]!.log();
    return this.replicas.map((replica) => `--- web ${replica.name}\n${replica.log()}`).join("\n");
  }

  /** Stops every replica, drops the database and removes the data directory. */
  async destroy(): Promise<void> {
    await this.killWeb();
    await this.dropDatabase();
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  private webEnv(): NodeJS.ProcessEnv {
    const env = { ...process.env };
    for (const key of Object.keys(env))
      if (key.startsWith("TLAB_") && key !== "TLAB_TEST_DB") delete env[key];
    return Object.assign(env, {
      NODE_ENV: "production",
      DATA_DIR: this.dataDir,
      DATABASE_URL: this.databaseUrl,
      TLAB_WORKER_TOKEN: this.workerToken,
      TLAB_AUTH_SECRET: this.authSecret,
      TLAB_ADMIN_EMAIL: this.options.admin.email,
      TLAB_ADMIN_PASSWORD: this.options.admin.password,
      TLAB_LEASE_MS: String(this.options.leaseMs),
      SWEEP_INTERVAL_MS: "500",
    });
  }
}

export async function withPostgres<T>(
  url: string,
  fn: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
