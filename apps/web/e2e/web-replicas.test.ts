import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LEARNING_RATE_METRIC, METRIC } from "@tlab/core/run";
import { testDbProvider } from "@tlab/db/testing/create-test-db";
import { Deployment, type WebReplica } from "./deployment";
import { personalToken, tlab } from "./platform-harness";
import { trpc } from "./web-server";
import { startWorkerProcess, type WorkerProcess } from "./worker-process";

const ADMIN = { email: "replicas-admin@example.test", password: "replicas admin password" };
const STRATEGIES = ["frozen", "partial", "full"] as const;
const SEEDS = 3;
const EPOCHS = 5;
// Every series a worker reports for each epoch.
const SERIES = [...Object.values(METRIC), LEARNING_RATE_METRIC];
// Shorter than a fine-tuning run here (7-12 s at 800 images a class for 5 epochs on 2 cores), so
// such a run keeps its lease only through heartbeats sent to its own replica while the other
// replica's sweeper looks on; the fault tests' 5 s lease, which held under twice CI's load.
const LEASE_MS = 5_000;

interface RunView {
  id: string;
  strategy: string;
  seed: number;
  status: string;
  attempt: number;
  workerName: string | null;
  failureReason: string | null;
  startedAt: string | null;
  finishedAt: string | null;
}

/** The worker's JSON log lines (pino writes one object a line to stderr). */
function logLines(worker: WorkerProcess): { msg?: string; runId?: string }[] {
  return worker
    .output()
    .split("\n")
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as { msg?: string; runId?: string }];
      } catch {
        return [];
      }
    });
}

// README: "Several web replicas can share one database as long as they also share DATA_DIR". Two
// replicas of serve-web.sh on one PostgreSQL database and one data directory, each with two
// standalone workers of its own and each running its lease sweeper: every run is claimed once and
// trains once (no worker loses it to a sweeper on the other replica), metrics are written once,
// and a credential minted on one replica is honoured by the other.
describe.skipIf(testDbProvider() !== "postgresql")(
  "two web replicas sharing one database (PostgreSQL only: SQLite is one replica)",
  () => {
    let deployment: Deployment | undefined;
    const workers: WorkerProcess[] = [];
    let a: WebReplica;
    let b: WebReplica;
    let token = "";
    let sweepersLiveAt = 0;

    beforeAll(async () => {
      deployment = new Deployment({
        name: "replicas",
        admin: ADMIN,
        leaseMs: LEASE_MS,
        replicas: 2,
      });
      await deployment.createDatabase();
      await deployment.startWeb();
      // Each sweeper waits one lease after its server starts; B started last.
      sweepersLiveAt = Date.now() + LEASE_MS;
      [a, b] = deployment.replicas as [WebReplica, WebReplica];
      token = await personalToken(a.url, ADMIN);
    }, 300_000);

    afterAll(async () => {
      for (const worker of workers) await worker.kill("SIGKILL");
      await deployment?.destroy();
    });

    it("a session and a personal token made on one replica work on the other", async () => {
      const signIn = await fetch(`${a.url}/api/auth/sign-in/email`, {
        method: "POST",
        headers: { origin: a.url, "content-type": "application/json" },
        body: JSON.stringify({ email: ADMIN.email, password: ADMIN.password }),
      });
      expect(signIn.status, await signIn.clone().text()).toBe(200);
      const cookie = signIn.headers
        .getSetCookie()
        .map((c) => c.split(";")[0])
        .join("; ");
      const me = async (headers: Record<string, string>) => {
        const response = await fetch(`${b.url}/api/trpc/account.me`, { headers });
        expect(response.status, await response.clone().text()).toBe(200);
        return ((await response.json()) as { result: { data: unknown } }).result.data;
      };
      expect(await me({ cookie })).toMatchObject({
        email: ADMIN.email,
        role: "admin",
        via: "session",
      });
      // The CLI's token came from `tlab login` against A.
      expect(await me({ authorization: `Bearer ${token}` })).toMatchObject({
        email: ADMIN.email,
        role: "admin",
        via: "personal-token",
      });
    });

    it("trains every run once across both replicas' workers, and both replicas read the same results", async () => {
      const dep = deployment!;
      for (const [replica, prefix] of [
        [a, "a"],
        [b, "b"],
      ] as const) {
        for (let i = 1; i <= 2; i++) {
          const name = `${prefix}-${i}`;
          workers.push(
            startWorkerProcess({
              apiUrl: replica.url,
              token: dep.workerToken,
              name,
              cacheDir: path.join(dep.dataDir, `cache-${name}`),
            }),
          );
        }
      }
      await Promise.all(workers.map((w) => w.registered()));
      // Both sweepers are running before the first claim, so every lease is watched by both.
      await sleep(Math.max(0, sweepersLiveAt - Date.now()));

      const launched = await tlab(
        a.url,
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
          "800",
          "--test-per-class",
          "20",
          "--json",
        ],
        { token },
      );
      expect(launched.code, launched.stderr).toBe(0);
      const experimentId = (JSON.parse(launched.stdout) as { experimentId: string }).experimentId;

      let runs: RunView[] = [];
      const diagnostics = () =>
        [
          ...runs.map(
            (r) =>
              `${r.strategy}/${r.seed} ${r.status} attempt ${r.attempt} on ${r.workerName ?? "-"}${r.failureReason ? `: ${r.failureReason}` : ""}`,
          ),
          ...workers.map((w) => `--- ${w.name}\n${w.output().slice(-2500)}`),
          dep.log().slice(-5000),
        ].join("\n");
      for (let i = 0; i < 1200; i++) {
        runs = (
          await trpc<{ runs: RunView[] }>(
            b.url,
            "experiment.byId",
            { experimentId: experimentId },
            { token },
          )
        ).runs;
        if (
          runs.length > 0 &&
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
      expect(runs.map((r) => `${r.strategy}/${r.seed}`).sort()).toEqual(
        STRATEGIES.flatMap((s) => Array.from({ length: SEEDS }, (_, i) => `${s}/${i + 1}`)).sort(),
      );
      // First attempt everywhere: no sweeper took a run from a healthy worker.
      for (const run of runs)
        expect(run.attempt, `${run.strategy}/${run.seed}\n${diagnostics()}`).toBe(1);
      expect(dep.log()).not.toMatch(/lease sweeper: requeued/);
      // Nor did any worker believe it had lost its run (a beat refused once the run was complete once
      // read as a lease lost).
      for (const worker of workers)
        expect(worker.output(), worker.name).not.toMatch(/the server took the run back/);
      // Otherwise no lease could have run out, heartbeats or not, and the above would prove nothing.
      const longestRunMs = Math.max(
        ...runs.map((r) => Date.parse(r.finishedAt!) - Date.parse(r.startedAt!)),
      );
      expect(
        longestRunMs,
        "the longest run must outlast a lease (train more epochs)",
      ).toBeGreaterThan(LEASE_MS);

      // Each run trained to the end by exactly one worker, the one the server names.
      const succeededBy = new Map<string, string[]>();
      for (const worker of workers) {
        for (const line of logLines(worker)) {
          if (line.msg === "run succeeded" && line.runId)
            succeededBy.set(line.runId, [...(succeededBy.get(line.runId) ?? []), worker.name]);
        }
      }
      for (const run of runs)
        expect(succeededBy.get(run.id), `${run.strategy}/${run.seed}`).toEqual([run.workerName]);
      // Spread over both replicas' workers: each replica handed out claims.
      const usedBy = new Set(runs.map((r) => r.workerName?.split("-")[0]));
      expect([...usedBy].sort(), diagnostics()).toEqual(["a", "b"]);

      // Every point the database holds, through B: each series has steps 1..EPOCHS once.
      for (const run of runs) {
        const response = await fetch(`${b.url}/api/runs/${run.id}/metrics?format=json`, {
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

      // The two replicas answer the same reads alike.
      const [experimentOnA, experimentOnB] = await Promise.all(
        [a, b].map((r) =>
          trpc(r.url, "experiment.byId", { experimentId: experimentId }, { token }),
        ),
      );
      expect(experimentOnB).toEqual(experimentOnA);
      const run = runs.find((r) => r.strategy === "full")!;
      const [metricsOnA, metricsOnB] = await Promise.all(
        [a, b].map((r) => trpc<unknown[]>(r.url, "run.metrics", { runId: run.id }, { token })),
      );
      expect(metricsOnA).not.toHaveLength(0);
      expect(metricsOnB).toEqual(metricsOnA);
    }, 120_000);
  },
);
