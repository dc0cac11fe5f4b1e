import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LEARNING_RATE_METRIC, METRIC } from "@tlab/core/run";
import { testDbProvider } from "@tlab/db/testing/create-test-db";
import { Deployment } from "./deployment";
import { personalToken, tlab } from "./platform-harness";
import { trpc } from "./web-server";
import { startWorkerProcess, type WorkerProcess } from "./worker-process";

const ADMIN = { email: "chaos-admin@example.test", password: "chaos admin password" };
const STRATEGIES = ["frozen", "partial", "full"] as const;
const SEEDS = 2;
const EPOCHS = 5;
// Every series a worker reports for each epoch.
const SERIES = [...Object.values(METRIC), LEARNING_RATE_METRIC];
const LEASE_MS = 12_000;

interface RunView {
  id: string;
  strategy: string;
  seed: number;
  status: string;
  attempt: number;
  progress: number;
  workerName: string | null;
  failureReason: string | null;
  testAccuracy: number | null;
}

// The held-out check: several workers, one SIGKILLed while it holds a run mid-epoch, the web
// server SIGKILLed and restarted mid-experiment. Afterwards every run has succeeded exactly once
// (the killed worker's run on a second attempt, every other run on its first) and every metric
// series has each epoch's step exactly once, 1..EPOCHS, read back through the API.
describe(`an experiment through a killed worker and a web restart (${testDbProvider()})`, () => {
  // The compose topology: the web service (one replica) and three standalone workers.
  const deployment = new Deployment({ name: "chaos", admin: ADMIN, leaseMs: LEASE_MS });
  const workers: WorkerProcess[] = [];
  let token = "";

  beforeAll(async () => {
    await deployment.createDatabase();
    await deployment.startWeb();
    token = await personalToken(deployment.url, ADMIN);
  }, 300_000);

  afterAll(async () => {
    for (const worker of workers) await worker.kill("SIGKILL");
    await deployment.destroy();
  });

  it("trains every run to success once, with every metric step exactly once", async () => {
    for (let i = 1; i <= 3; i++) {
      workers.push(
        startWorkerProcess({
          apiUrl: deployment.url,
          token: deployment.workerToken,
          name: `chaos-${i}`,
          cacheDir: path.join(deployment.dataDir, `cache-${i}`),
        }),
      );
    }
    await Promise.all(workers.map((w) => w.registered()));
    const launched = await tlab(
      deployment.url,
      [
        "launch",
        "--preset",
        "digits",
        "--strategies",
        STRATEGIES.join(","),
        "--seeds",
        String(SEEDS),
        "--epochs",
        String(EPOCHS),
        "--train-per-class",
        "200",
        "--test-per-class",
        "20",
        "--json",
      ],
      { token },
    );
    expect(launched.code, launched.stderr).toBe(0);
    const experimentId = (JSON.parse(launched.stdout) as { experimentId: string }).experimentId;
    const runsNow = async () =>
      (
        await trpc<{ runs: RunView[] }>(
          deployment.url,
          "experiment.byId",
          { experimentId: experimentId },
          { token },
        )
      ).runs;
    let runs: RunView[] = [];
    const diagnostics = () =>
      [
        ...runs.map(
          (r) =>
            `${r.strategy}/${r.seed} ${r.status} attempt ${r.attempt} on ${r.workerName ?? "-"}${r.failureReason ? `: ${r.failureReason}` : ""}`,
        ),
        ...workers.map((w) => `--- ${w.name}\n${w.output().slice(-2500)}`),
        `--- web\n${deployment.log().slice(-2500)}`,
      ].join("\n");

    // A victim: a worker holding a fine-tuning run that has a checkpoint on the server and epochs
    // still to train. A worker uploads the checkpoint right after an epoch's metrics and goes on
    // with the next epoch, so killing it now catches it inside an epoch (or uploading the next
    // checkpoint), whatever the machine's speed.
    let victim: { worker: WorkerProcess; runId: string } | undefined;
    for (let i = 0; i < 3000 && !victim; i++) {
      for (const run of await runsNow()) {
        if (run.status !== "RUNNING" || run.strategy === "frozen" || !run.workerName) continue;
        const detail = await trpc<{ artifacts: { fileName: string }[] }>(
          deployment.url,
          "run.byId",
          { runId: run.id },
          { token },
        );
        if (!detail.artifacts.some((a) => a.fileName === "checkpoint.json")) continue;
        const series = await trpc<{ name: string; points: { step: number }[] }[]>(
          deployment.url,
          "run.metrics",
          { runId: run.id },
          { token },
        );
        const epochsReported = series.find((s) => s.name === "val/accuracy")?.points.length ?? 0;
        if (epochsReported < EPOCHS - 1) {
          victim = { worker: workers.find((w) => w.name === run.workerName)!, runId: run.id };
          break;
        }
      }
      if (!victim) await sleep(20);
    }
    expect(victim, diagnostics()).toBeDefined();
    await victim!.worker.kill("SIGKILL");

    // The web server goes down hard while the other workers are training, and comes back on the
    // same port and database, as a restarted container would.
    const inFlight = (await runsNow()).filter(
      (r) => r.status === "RUNNING" && r.id !== victim!.runId,
    );
    expect(inFlight.length, "runs training while the web server is down").toBeGreaterThan(0);
    // Down for longer than a lease, so every lease runs out during the outage: without the
    // sweeper's grace after start, the survivors' runs would be requeued too.
    const outageStarted = Date.now();
    await deployment.killWeb();
    await sleep(Math.max(2000, LEASE_MS + 500 - (Date.now() - outageStarted)));
    await deployment.startWeb();

    for (let i = 0; i < 1200; i++) {
      runs = await runsNow();
      if (
        runs.every(
          (r) => r.status === "SUCCEEDED" || r.status === "FAILED" || r.status === "CANCELED",
        )
      )
        break;
      await sleep(250);
    }
    expect(
      runs.map((r) => r.status),
      diagnostics(),
    ).toEqual(runs.map(() => "SUCCEEDED"));
    // One run per strategy and seed, none duplicated, none lost.
    expect(runs.map((r) => `${r.strategy}/${r.seed}`).sort()).toEqual(
      STRATEGIES.flatMap((s) => Array.from({ length: SEEDS }, (_, i) => `${s}/${i + 1}`)).sort(),
    );
    for (const run of runs) {
      expect(run.attempt, `${run.strategy}/${run.seed}`).toBe(run.id === victim!.runId ? 2 : 1);
      expect(run.testAccuracy).not.toBeNull();
    }
    const rescued = runs.find((r) => r.id === victim!.runId)!;
    const rescuer = workers.find((w) => w.name === rescued.workerName);
    expect(rescuer).toBeDefined();
    expect(rescuer).not.toBe(victim!.worker);
    // Its checkpoint was on the server when its first worker died.
    expect(rescuer!.output()).toMatch(/resuming from the checkpoint of an earlier attempt/);

    // Every point the server holds, not a downsampled view: each series has steps 1..EPOCHS once.
    for (const run of runs) {
      const response = await fetch(`${deployment.url}/api/runs/${run.id}/metrics?format=json`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(response.status).toBe(200);
      const { series } = (await response.json()) as {
        series: { name: string; points: { step: number }[] }[];
      };
      expect(series.map((s) => s.name).sort(), `${run.strategy}/${run.seed}`).toEqual(
        [...SERIES].sort(),
      );
      for (const s of series) {
        expect(
          s.points.map((p) => p.step),
          `${run.strategy}/${run.seed} ${s.name}`,
        ).toEqual(Array.from({ length: EPOCHS }, (_, i) => i + 1));
      }
    }
    // The survivors rode out the outage (retrying, not failing their runs) and are still up.
    const survivors = workers.filter((w) => w !== victim!.worker);
    for (const worker of survivors) expect(worker.alive(), worker.name).toBe(true);
    expect(survivors.some((w) => /heartbeat failed|failed; retrying/.test(w.output()))).toBe(true);
  }, 300_000);
});
