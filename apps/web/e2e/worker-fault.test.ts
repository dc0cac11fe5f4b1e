import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { personalToken, ROOT, startPlatform, tlab, type Platform } from "./platform-harness";

const ADMIN = { email: "fault-admin@example.test", password: "fault admin password" };

/** A `tlab worker` process of our own, so the test can SIGKILL it. */
function startWorker(
  platform: Platform,
  name: string,
): { child: ChildProcess; output: () => string } {
  let log = "";
  // Node itself runs the CLI (tsx as a loader, not its wrapper process), so SIGKILL hits the worker.
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      path.join(ROOT, "apps/trainer/src/cli.ts"),
      "worker",
      "--name",
      name,
      "--poll",
      "200",
    ],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        TLAB_API_URL: platform.url,
        TLAB_WORKER_TOKEN: platform.workerToken(),
        TLAB_CACHE_DIR: path.join(platform.dataDir, `cache-${name}`),
        TLAB_BACKEND: "wasm",
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  child.stdout?.on("data", (d: Buffer) => (log += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (log += d.toString()));
  return { child, output: () => log };
}

async function trpcQuery<T>(
  platform: Platform,
  token: string,
  procedure: string,
  input: unknown,
): Promise<T> {
  const response = await fetch(
    `${platform.url}/api/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify(input))}`,
    {
      headers: { authorization: `Bearer ${token}` },
    },
  );
  const body = (await response.json()) as { result?: { data: T }; error?: unknown };
  if (!body.result) throw new Error(`${procedure}: ${JSON.stringify(body.error)}`);
  return body.result.data;
}

// A worker dies mid-run with SIGKILL: the lease expires, the sweeper requeues the run, a second
// worker resumes it from the last epoch checkpoint, and the metric series has every step once.
describe("a worker killed mid-run", () => {
  let platform: Platform;
  let token: string;
  const workers: ChildProcess[] = [];
  beforeAll(async () => {
    platform = await startPlatform({
      workers: 0,
      admin: ADMIN,
      env: { TLAB_LEASE_MS: "5000", SWEEP_INTERVAL_MS: "500" },
    });
    token = await personalToken(platform.url, ADMIN);
  }, 300_000);
  afterAll(async () => {
    for (const w of workers) if (w.exitCode === null) w.kill("SIGKILL");
    await platform?.stop();
  });

  it("is resumed by another worker from its checkpoint and succeeds with each step once", async () => {
    const launched = await tlab(
      platform.url,
      ["launch", "--preset", "digits", "--strategies", "full", "--epochs", "8", "--json"],
      { token },
    );
    expect(launched.code, launched.stderr).toBe(0);
    const { runs } = JSON.parse(launched.stdout) as { runs: { id: string }[] };
    const runId = runs[0]!.id;

    const first = startWorker(platform, "doomed");
    workers.push(first.child);
    // Wait until two epochs are reported (and checkpointed), then kill the worker without warning.
    for (let i = 0; i < 600; i++) {
      const series = await trpcQuery<{ name: string; points: { step: number }[] }[]>(
        platform,
        token,
        "run.metrics",
        { runId },
      );
      if ((series.find((s) => s.name === "val/accuracy")?.points.length ?? 0) >= 2) break;
      await sleep(100);
    }
    first.child.kill("SIGKILL");

    const second = startWorker(platform, "rescuer");
    workers.push(second.child);
    type RunState = {
      status: string;
      attempt: number;
      workerName: string | null;
      testAccuracy: number | null;
    };
    let run: RunState | undefined;
    for (let i = 0; i < 900; i++) {
      const current: RunState = await trpcQuery(platform, token, "run.byId", { runId });
      run = current;
      if (current.status === "SUCCEEDED" || current.status === "FAILED") break;
      await sleep(200);
    }
    expect(run?.status, `${first.output().slice(-2000)}\n${second.output().slice(-3000)}`).toBe(
      "SUCCEEDED",
    );
    expect(run?.attempt).toBe(2);
    expect(run?.workerName).toBe("rescuer");
    expect(run?.testAccuracy).toBeGreaterThan(0.5);
    expect(second.output()).toMatch(/resuming from the checkpoint of an earlier attempt/);

    const series = await trpcQuery<{ name: string; points: { step: number }[] }[]>(
      platform,
      token,
      "run.metrics",
      { runId },
    );
    for (const name of ["train/loss", "val/accuracy", "val/loss"]) {
      expect(
        series.find((s) => s.name === name)?.points.map((p) => p.step),
        name,
      ).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    }
  }, 300_000);
});
