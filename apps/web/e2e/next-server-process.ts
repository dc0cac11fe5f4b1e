import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { ROOT } from "./platform-harness";

export interface NextServerOptions {
  port: number;
  dataDir: string;
  databaseUrl: string;
  /** The first account (TLAB_ADMIN_EMAIL / _PASSWORD). */
  admin: { email: string; password: string };
  /** More variables for the server (fast webhook polling, say). */
  env?: Record<string, string>;
  /** Polls of /api/health, 250 ms apart, before start gives up. */
  healthPolls?: number;
}

/**
 * The built dashboard under `next start` on a fixed port and data directory, for tests that kill
 * the server and start it again on the same address. It runs in its own process group, so SIGKILL
 * takes the whole server as a crash would.
 */
export class NextServerProcess {
  readonly url: string;
  private child: ChildProcess | undefined;
  private output = "";

  constructor(private readonly options: NextServerOptions) {
    this.url = `http://127.0.0.1:${options.port}`;
  }

  async start(): Promise<void> {
    const { port, dataDir, databaseUrl, admin, env = {}, healthPolls = 480 } = this.options;
    const child = spawn(
      process.execPath,
      [
        path.join(ROOT, "node_modules/next/dist/bin/next"),
        "start",
        "-p",
        String(port),
        "-H",
        "127.0.0.1",
      ],
      {
        cwd: path.join(ROOT, "apps/web"),
        env: {
          ...process.env,
          NODE_ENV: "production",
          DATA_DIR: dataDir,
          DATABASE_URL: databaseUrl,
          TLAB_ADMIN_EMAIL: admin.email,
          TLAB_ADMIN_PASSWORD: admin.password,
          ...env,
        },
        detached: true,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    this.child = child;
    child.stdout?.on("data", (d: Buffer) => (this.output += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (this.output += d.toString()));
    for (let i = 0; i < healthPolls; i++) {
      try {
        if ((await fetch(`${this.url}/api/health`)).ok) return;
      } catch {
        // not up yet
      }
      await sleep(250);
    }
    throw new Error(`web server did not come up:\n${this.output}`);
  }

  /** SIGKILL, as a crash; nothing when it is not running. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child?.pid || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    process.kill(-child.pid, "SIGKILL");
    await exited;
  }

  /** What the server printed, across restarts. */
  log(): string {
    return this.output;
  }
}
