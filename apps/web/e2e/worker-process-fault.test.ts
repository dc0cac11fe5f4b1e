import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitUntilMidRun } from "./mid-run";
import { personalToken, startPlatform, tlab, type Platform } from "./platform-harness";
import { trpc } from "./web-server";
import { startWorkerProcess, type WorkerProcess } from "./worker-process";

const ADMIN = {
  email: "worker-faults-admin@example.test",
  password: "worker faults admin password",
};
const LEASE_MS = 6000;
// 30 images per class, 15% held out for validation: 4 batches of 32 per epoch. After the fifth
// step (epoch 2's first batch) the next kernel throws: mid-epoch, after epoch 1 was reported.
const CRASH_AFTER_STEPS = 5;

interface RunView {
  id: string;
  status: string;
  attempt: number;
  workerName: string | null;
  failureReason: string | null;
}

type Series = { name: string; points: { step: number }[] }[];

// Faults inside one worker process, each with a worker of its own on a shared platform.
describe("a worker process in trouble", () => {
  let platform: Platform;
  let token: string;
  const workers: WorkerProcess[] = [];
  beforeAll(async () => {
    platform = await startPlatform({
      workers: 0,
      admin: ADMIN,
      env: { TLAB_LEASE_MS: String(LEASE_MS), SWEEP_INTERVAL_MS: "500" },
    });
    token = await personalToken(platform.url, ADMIN);
  }, 300_000);
  afterAll(async () => {
    for (const worker of workers) await worker.kill("SIGKILL");
    await platform?.stop();
  });

  // The backend throws in the middle of a training step (the fault-injection test hook
  // TLAB_FAULT_INJECT): the run fails with a reason naming the backend and where training was,
  // its measured epochs are kept, and the same process trains the next run.
  it("whose backend crashes mid-epoch fails that run with the backend's error and trains the next run", async () => {
    const worker = startWorkerProcess({
      apiUrl: platform.url,
      token: platform.workerToken(),
      name: "crashy",
      cacheDir: path.join(platform.dataDir, "cache-crashy"),
      env: { TLAB_FAULT_INJECT: `backend-crash-after-steps:${CRASH_AFTER_STEPS}` },
    });
    workers.push(worker);
    await worker.registered();

    // Two seeds of one full fine-tune: the first run claimed crashes, the second must not.
    const launched = await tlab(
      platform.url,
      [
        "launch",
        "--preset",
        "digits",
        "--strategies",
        "full",
        "--seeds",
        "2",
        "--epochs",
        "2",
        "--train-per-class",
        "30",
        "--test-per-class",
        "20",
        "--wait",
        "--json",
      ],
      { token },
    );
    // --wait exits 1 when any run did not succeed.
    expect(launched.code, `${launched.stderr}\n${worker.output().slice(-3000)}`).toBe(1);
    const { runs } = JSON.parse(launched.stdout) as { runs: { id: string }[] };
    const views = await Promise.all(
      runs.map((r) => trpc<RunView>(platform.url, "run.byId", { runId: r.id }, { token })),
    );
    const failed = views.filter((r) => r.status === "FAILED");
    const succeeded = views.filter((r) => r.status === "SUCCEEDED");
    expect(failed.length, worker.output().slice(-3000)).toBe(1);
    expect(succeeded.length).toBe(1);

    const crashed = failed[0]!;
    expect(crashed.failureReason).toMatch(
      /^training step failed in epoch 2, batch 2 of 4, on the wasm backend: the wasm backend crashed in kernel \w+ \(injected by TLAB_FAULT_INJECT=backend-crash-after-steps:5\)$/,
    );
    expect(crashed.attempt).toBe(1);
    // What was measured before the crash is kept: epoch 1, once.
    const series = await trpc<Series>(
      platform.url,
      "run.metrics",
      { runId: crashed.id },
      { token },
    );
    expect(series.find((s) => s.name === "val/accuracy")?.points.map((p) => p.step)).toEqual([1]);

    // One process trained both: it is still running and registered only once.
    expect(views.map((r) => r.workerName)).toEqual(["crashy", "crashy"]);
    expect(worker.alive()).toBe(true);
    expect(worker.output().match(/worker registered/g)).toHaveLength(1);
    expect(succeeded[0]!.attempt).toBe(1);
    const good = await trpc<Series>(
      platform.url,
      "run.metrics",
      { runId: succeeded[0]!.id },
      { token },
    );
    expect(good.find((s) => s.name === "val/accuracy")?.points.map((p) => p.step)).toEqual([1, 2]);
    await worker.kill("SIGKILL");
  }, 300_000);

  // A worker frozen longer than its lease (SIGSTOP: a VM suspend, a swap storm, a partition): the
  // sweeper requeues its run. When it wakes, the server refuses it the run; it stops that attempt
  // instead of training on for nothing, claims the run again as its next attempt, resumes from the
  // checkpoint, and the run succeeds with every step once.
  it("paused past its lease gives up the stale attempt and the run succeeds once", async () => {
    const worker = startWorkerProcess({
      apiUrl: platform.url,
      token: platform.workerToken(),
      name: "sleepy",
      cacheDir: path.join(platform.dataDir, "cache-sleepy"),
    });
    workers.push(worker);
    await worker.registered();
    const epochs = 5;
    const launched = await tlab(
      platform.url,
      [
        "launch",
        "--preset",
        "digits",
        "--strategies",
        "full",
        "--epochs",
        String(epochs),
        "--train-per-class",
        "300",
        "--test-per-class",
        "20",
        "--json",
      ],
      { token },
    );
    expect(launched.code, launched.stderr).toBe(0);
    const runId = (JSON.parse(launched.stdout) as { runs: { id: string }[] }).runs[0]!.id;

    // Paused once a checkpoint is on the server and epochs are left to train.
    await waitUntilMidRun(platform.url, token, runId, { epochs, output: worker.output });
    worker.child.kill("SIGSTOP");
    let requeued: RunView | undefined;
    for (let i = 0; i < 300 && !requeued; i++) {
      const run = await trpc<RunView>(platform.url, "run.byId", { runId }, { token });
      if (run.status === "QUEUED") requeued = run;
      else await sleep(100);
    }
    worker.child.kill("SIGCONT");
    expect(requeued?.failureReason).toMatch(
      /lease expired on attempt 1 \(worker \S+ stopped heartbeating\); requeued/,
    );

    let run: RunView | undefined;
    for (let i = 0; i < 1200; i++) {
      run = await trpc<RunView>(platform.url, "run.byId", { runId }, { token });
      if (run.status === "SUCCEEDED" || run.status === "FAILED") break;
      await sleep(250);
    }
    expect(run?.status, worker.output().slice(-3000)).toBe("SUCCEEDED");
    expect(run?.attempt).toBe(2);
    expect(run?.workerName).toBe("sleepy");
    const log = worker.output();
    expect(log).toMatch(/run stopped: it is no longer this worker's/);
    expect(log).toMatch(/resuming from the checkpoint of an earlier attempt/);
    // The stale attempt never reported an outcome: it stopped, it did not fail or finish the run.
    expect(log).not.toMatch(/"attempt":1,[^\n]*"msg":"run (failed|succeeded)"/);
    const series = await trpc<Series>(platform.url, "run.metrics", { runId }, { token });
    for (const name of ["train/loss", "val/accuracy", "val/loss"]) {
      expect(
        series.find((s) => s.name === name)?.points.map((p) => p.step),
        name,
      ).toEqual([1, 2, 3, 4, 5]);
    }
    expect(worker.alive()).toBe(true);
  }, 300_000);
});
