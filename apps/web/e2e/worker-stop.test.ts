import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitUntilMidRun } from "./mid-run";
import { personalToken, startPlatform, tlab, type Platform } from "./platform-harness";
import { trpc } from "./web-server";
import { startWorkerProcess, type WorkerProcess } from "./worker-process";

const ADMIN = { email: "worker-stop-admin@example.test", password: "worker stop admin password" };
// Heartbeats every LEASE_MS / 2 = 3 s.
const LEASE_MS = 6000;
const EPOCHS = 6;

interface RunView {
  id: string;
  status: string;
  attempt: number;
  workerName: string | null;
  failureReason: string | null;
}

type Series = { name: string; points: { step: number }[] }[];

// A run stopped on purpose, by a member's cancel or by the worker's own shutdown, with real worker
// processes on a platform started as `npm start` starts it.
describe("a run stopped on purpose", () => {
  let platform: Platform;
  let token: string;
  const workers: WorkerProcess[] = [];
  const run = (runId: string) => trpc<RunView>(platform.url, "run.byId", { runId }, { token });
  const steps = async (runId: string, name: string) =>
    (await trpc<Series>(platform.url, "run.metrics", { runId }, { token }))
      .find((s) => s.name === name)
      ?.points.map((p) => p.step) ?? [];
  const launchFullFineTune = async () => {
    const launched = await tlab(
      platform.url,
      [
        "launch",
        "--preset",
        "digits",
        "--strategies",
        "full",
        "--epochs",
        String(EPOCHS),
        "--train-per-class",
        "300",
        "--test-per-class",
        "20",
        "--json",
      ],
      { token },
    );
    expect(launched.code, launched.stderr).toBe(0);
    return (JSON.parse(launched.stdout) as { runs: { id: string }[] }).runs[0]!.id;
  };
  const settled = async (runId: string, statuses: string[]) => {
    for (let i = 0; i < 1200; i++) {
      const view = await run(runId);
      if (statuses.includes(view.status)) return view;
      await sleep(100);
    }
    throw new Error(`run ${runId} did not reach ${statuses.join(" or ")}`);
  };

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

  // The cancel is a flag on the run; the worker learns it from its next epoch's metric report or
  // its next heartbeat (every LEASE_MS / 2), whichever comes first, stops after the current batch
  // and reports the run CANCELED with what it measured.
  it("canceled mid-run: the worker stops within a heartbeat, the epochs it measured are kept, and it takes the next run", async () => {
    const worker = startWorkerProcess({
      apiUrl: platform.url,
      token: platform.workerToken(),
      name: "cancel-me",
      cacheDir: path.join(platform.dataDir, "cache-cancel"),
    });
    workers.push(worker);
    await worker.registered();
    const runId = await launchFullFineTune();
    await waitUntilMidRun(platform.url, token, runId, { epochs: EPOCHS, output: worker.output });

    const requested = Date.now();
    expect(
      await trpc<{ status: string }>(
        platform.url,
        "run.cancel",
        { runId },
        { token, mutation: true },
      ),
    ).toEqual({ status: "RUNNING" });
    const canceled = await settled(runId, ["CANCELED", "SUCCEEDED", "FAILED"]);
    const latencyMs = Date.now() - requested;
    console.info(
      `[e2e] cancel reached the worker and ended the run in ${latencyMs} ms (heartbeat every ${LEASE_MS / 2} ms)`,
    );
    expect(canceled.status, worker.output().slice(-3000)).toBe("CANCELED");
    expect(canceled.failureReason).toBe("canceled by request");
    // About one epoch (or one heartbeat interval, if sooner), plus the batch in flight and the
    // report; LEASE_MS leaves room for a loaded machine.
    expect(latencyMs).toBeLessThan(LEASE_MS);
    expect(worker.output()).toMatch(/cancellation requested; stopping after the current batch/);

    // Partial metrics stay: the epochs measured before the cancel, each once, in order.
    const kept = await steps(runId, "val/accuracy");
    expect(kept.length).toBeGreaterThanOrEqual(1);
    expect(kept.length).toBeLessThan(EPOCHS);
    expect(kept).toEqual(Array.from({ length: kept.length }, (_, i) => i + 1));
    expect(await steps(runId, "train/loss")).toEqual(kept);

    // The worker is free again: it trains the next run to the end.
    const next = await tlab(
      platform.url,
      [
        "launch",
        "--preset",
        "digits",
        "--strategies",
        "frozen",
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
    expect(next.code, `${next.stderr}\n${worker.output().slice(-3000)}`).toBe(0);
    const [nextRun] = (JSON.parse(next.stdout) as { runs: { id: string }[] }).runs;
    expect((await run(nextRun!.id)).workerName).toBe("cancel-me");
    expect(worker.alive()).toBe(true);
    await worker.kill("SIGKILL");
  }, 300_000);

  // SIGTERM (a deploy, a scaled-down pool, Ctrl-C): the worker stops after the current batch,
  // gives the run back to the queue at once (no lease to wait out) and exits 0; the next worker
  // resumes the run from its checkpoint and finishes it with every step once.
  it("whose worker gets SIGTERM is released to the queue at once and resumed by the next worker", async () => {
    const first = startWorkerProcess({
      apiUrl: platform.url,
      token: platform.workerToken(),
      name: "leaving",
      cacheDir: path.join(platform.dataDir, "cache-leaving"),
    });
    workers.push(first);
    await first.registered();
    const runId = await launchFullFineTune();
    await waitUntilMidRun(platform.url, token, runId, {
      epochs: EPOCHS,
      atLeast: 2,
      output: first.output,
    });

    await first.kill("SIGTERM");
    expect(first.child.exitCode, first.output().slice(-3000)).toBe(0);
    const released = await run(runId);
    // Back in the queue by the worker itself before it exited, not by the sweeper after a lease.
    expect(released.status).toBe("QUEUED");
    expect(released.failureReason).toBe("worker shut down; requeued");
    expect(first.output()).toMatch(/run released to the queue \(worker shutting down\)/);

    const second = startWorkerProcess({
      apiUrl: platform.url,
      token: platform.workerToken(),
      name: "arriving",
      cacheDir: path.join(platform.dataDir, "cache-arriving"),
    });
    workers.push(second);
    await second.registered();
    const finished = await settled(runId, ["SUCCEEDED", "FAILED", "CANCELED"]);
    expect(finished.status, second.output().slice(-3000)).toBe("SUCCEEDED");
    expect(finished.attempt).toBe(2);
    expect(finished.workerName).toBe("arriving");
    expect(second.output()).toMatch(/resuming from the checkpoint of an earlier attempt/);
    for (const name of ["train/loss", "val/accuracy", "val/loss"]) {
      expect(await steps(runId, name), name).toEqual(
        Array.from({ length: EPOCHS }, (_, i) => i + 1),
      );
    }
  }, 300_000);
});
