import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NextServerProcess } from "./next-server-process";
import { freePort, ROOT, tlab } from "./platform-harness";

const ADMIN = { email: "restart-admin@example.test", password: "restart admin password" };

// The web server goes down mid-run and comes back on the same port and database: the worker
// retries its heartbeats and metric uploads with backoff and the run succeeds with no lost point.
describe("the web server restarted mid-run", () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "tlab-restart-"));
  const databaseUrl = `file:${path.join(dataDir, "tlab.db")}`;
  let port: number;
  let url: string;
  let web: NextServerProcess | undefined;
  let worker: ChildProcess | undefined;
  let workerLog = "";

  beforeAll(async () => {
    execFileSync(
      path.join(ROOT, "node_modules/.bin/prisma"),
      ["migrate", "deploy", "--config", "prisma/prisma.config.ts"],
      {
        cwd: ROOT,
        env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: databaseUrl },
        stdio: "pipe",
      },
    );
    cpSync(path.join(ROOT, "apps/trainer/assets/base-models"), path.join(dataDir, "base-models"), {
      recursive: true,
    });
    port = await freePort();
    url = `http://127.0.0.1:${port}`;
    web = new NextServerProcess({ port, dataDir, databaseUrl, admin: ADMIN, healthPolls: 240 });
    await web!.start();
  }, 120_000);

  afterAll(async () => {
    if (worker?.exitCode === null) worker.kill("SIGKILL");
    await web?.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("does not lose the run or any metric point", async () => {
    const login = await tlab(
      url,
      ["login", "--email", ADMIN.email, "--password-stdin", "--print"],
      { stdin: `${ADMIN.password}\n` },
    );
    expect(login.code, login.stderr).toBe(0);
    const token = login.stdout.trim();
    const launched = await tlab(
      url,
      ["launch", "--preset", "digits", "--strategies", "full", "--epochs", "10", "--json"],
      { token },
    );
    expect(launched.code, launched.stderr).toBe(0);
    const runId = (JSON.parse(launched.stdout) as { runs: { id: string }[] }).runs[0]!.id;

    worker = spawn(
      process.execPath,
      ["--import", "tsx", path.join(ROOT, "apps/trainer/src/cli.ts"), "worker", "--poll", "200"],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          TLAB_API_URL: url,
          TLAB_WORKER_TOKEN: readFileSync(path.join(dataDir, "worker-token"), "utf8").trim(),
          TLAB_CACHE_DIR: path.join(dataDir, "worker-cache"),
          TLAB_BACKEND: "wasm",
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    worker.stdout?.on("data", (d: Buffer) => (workerLog += d.toString()));
    worker.stderr?.on("data", (d: Buffer) => (workerLog += d.toString()));

    const query = async <T>(procedure: string, input: unknown): Promise<T> => {
      const response = await fetch(
        `${url}/api/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify(input))}`,
        { headers: { authorization: `Bearer ${token}` } },
      );
      return ((await response.json()) as { result: { data: T } }).result.data;
    };
    // Down as soon as training is under way, for longer than a few retries' worth of backoff.
    for (let i = 0; i < 600; i++) {
      const run = await query<{ status: string }>("run.byId", { runId });
      if (run.status === "RUNNING" && /epoch 1\//.test(workerLog)) break;
      await sleep(100);
    }
    await web!.kill();
    await sleep(4000);
    await web!.start();

    let status = "";
    for (let i = 0; i < 600 && status !== "SUCCEEDED" && status !== "FAILED"; i++) {
      status = (await query<{ status: string }>("run.byId", { runId })).status;
      await sleep(250);
    }
    expect(status, workerLog.slice(-3000)).toBe("SUCCEEDED");
    const run = await query<{ attempt: number }>("run.byId", { runId });
    expect(run.attempt).toBe(1); // rode it out: never requeued
    expect(workerLog).toMatch(/retrying|heartbeat failed/);
    const series = await query<{ name: string; points: { step: number }[] }[]>("run.metrics", {
      runId,
    });
    for (const name of ["train/loss", "val/accuracy"]) {
      expect(
        series.find((s) => s.name === name)?.points.map((p) => p.step),
        name,
      ).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    }
  }, 300_000);
});
