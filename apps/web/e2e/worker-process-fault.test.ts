import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPlatform, tlab, type Platform } from "./platform-harness";
import { trpc } from "./web-server";
import { startWorkerProcess, type WorkerProcess } from "./worker-process";

const ADMIN = { email: "crash-admin@example.test", password: "crash admin password" };
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

// The worker's TensorFlow.js backend throws in the middle of a training step (the fault-injection
// test hook TLAB_FAULT_INJECT): the run fails with a reason that names the backend and where
// training was, its measured epochs are kept, and the same worker process trains the next run.
describe("a worker whose backend crashes during training", () => {
  let platform: Platform;
  let token: string;
  let worker: WorkerProcess | undefined;
  beforeAll(async () => {
    platform = await startPlatform({ workers: 0, admin: ADMIN });
    const login = await tlab(platform.url, ["login", "--email", ADMIN.email, "--password-stdin", "--print"], { stdin: `${ADMIN.password}\n` });
    expect(login.code, login.stderr).toBe(0);
    token = login.stdout.trim();
  }, 300_000);
  afterAll(async () => {
    await worker?.kill("SIGKILL");
    await platform?.stop();
  });

  it("fails that run with the backend's error and trains the next run in the same process", async () => {
    worker = startWorkerProcess({
      apiUrl: platform.url,
      token: readFileSync(path.join(platform.dataDir, "worker-token"), "utf8").trim(),
      name: "crashy",
      cacheDir: path.join(platform.dataDir, "cache-crashy"),
      env: { TLAB_FAULT_INJECT: `backend-crash-after-steps:${CRASH_AFTER_STEPS}` },
    });
    await worker.registered();

    // Two seeds of one full fine-tune: the first run claimed crashes, the second must not.
    const launched = await tlab(
      platform.url,
      ["launch", "--preset", "digits", "--strategies", "full", "--seeds", "2", "--epochs", "2", "--train-per-class", "30", "--test-per-class", "20", "--wait", "--json"],
      { token },
    );
    // --wait exits 1 when any run did not succeed.
    expect(launched.code, `${launched.stderr}\n${worker.output().slice(-3000)}`).toBe(1);
    const { runs } = JSON.parse(launched.stdout) as { runs: { id: string }[] };
    const views = await Promise.all(runs.map((r) => trpc<RunView>(platform.url, "run.byId", { runId: r.id }, { token })));
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
    const series = await trpc<{ name: string; points: { step: number }[] }[]>(platform.url, "run.metrics", { runId: crashed.id }, { token });
    expect(series.find((s) => s.name === "val/accuracy")?.points.map((p) => p.step)).toEqual([1]);

    // One process trained both: it is still running and registered only once.
    expect(views.map((r) => r.workerName)).toEqual(["crashy", "crashy"]);
    expect(worker.alive()).toBe(true);
    expect(worker.output().match(/worker registered/g)).toHaveLength(1);
    expect(succeeded[0]!.attempt).toBe(1);
    const good = await trpc<{ name: string; points: { step: number }[] }[]>(platform.url, "run.metrics", { runId: succeeded[0]!.id }, { token });
    expect(good.find((s) => s.name === "val/accuracy")?.points.map((p) => p.step)).toEqual([1, 2]);
  }, 300_000);
});
