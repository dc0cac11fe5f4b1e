import { afterEach, beforeEach, describe, expect, it } from "vitest";
import pg from "pg";
import { postgresPoolConfig } from "../postgres-adapter";
import { createTestDb, testDbProvider, type TestDb } from "../testing/create-test-db";
import { registerWorkers, seedQueuedRuns } from "../testing/fixtures";
import { RunRepository } from "./run-repository";

const provider = testDbProvider();
let t: TestDb;

beforeEach(async () => {
  t = await createTestDb();
});
afterEach(async () => {
  await t.cleanup();
});

/** The repository a claiming worker reaches, as if each were served by a different web replica. */
function claimerRepository(): RunRepository {
  return new RunRepository(t.replicaDb(), t.provider);
}

const now = new Date("2026-01-01T00:00:00Z");
const lease = new Date("2026-01-01T00:05:00Z");

describe(`RunRepository.claimNext on ${provider}`, () => {
  it("8 workers racing over 50 queued runs: every run is claimed exactly once", async () => {
    const { runIds } = await seedQueuedRuns(t.db, t.provider, { runs: 50 });
    const workerIds = await registerWorkers(t.db, 8, now);
    const claimers = workerIds.map(() => claimerRepository());

    // All eight claim loops run at once.
    const claimedByWorker = await Promise.all(
      claimers.map(async (runs, i) => {
        const mine: string[] = [];
        for (;;) {
          const claimed = await runs.claimNext(workerIds[i]!, now, lease, "wasm");
          if (!claimed) return mine;
          expect(claimed.run.status).toBe("RUNNING");
          expect(claimed.run.workerId).toBe(workerIds[i]);
          mine.push(claimed.run.id);
        }
      }),
    );

    const claimed = claimedByWorker.flat();
    expect(claimed).toHaveLength(50);
    expect(new Set(claimed)).toEqual(new Set(runIds));
    // It was a race, not one worker draining the queue while the others waited.
    expect(claimedByWorker.filter((mine) => mine.length > 0).length).toBeGreaterThan(1);

    // The database agrees: each run RUNNING once, held by the worker that was told it won.
    const rows = await t.db.run.findMany({
      select: { id: true, status: true, attempt: true, workerId: true },
    });
    const holderOf = new Map(
      claimedByWorker.flatMap((mine, i) => mine.map((id) => [id, workerIds[i]] as const)),
    );
    for (const row of rows) {
      expect(row).toEqual({
        id: row.id,
        status: "RUNNING",
        attempt: 1,
        workerId: holderOf.get(row.id),
      });
    }
  });

  it("claims the oldest queued run first and returns null when none is left", async () => {
    await seedQueuedRuns(t.db, t.provider, { runs: 2 });
    const [workerId] = await registerWorkers(t.db, 1, now);
    const runs = new RunRepository(t.db, t.provider);
    const ordered = await t.db.run.findMany({
      orderBy: [{ queuedAt: "asc" }, { id: "asc" }],
      select: { id: true },
    });
    expect((await runs.claimNext(workerId!, now, lease, "cpu"))?.run.id).toBe(ordered[0]!.id);
    expect((await runs.claimNext(workerId!, now, lease, "cpu"))?.run.id).toBe(ordered[1]!.id);
    expect(await runs.claimNext(workerId!, now, lease, "cpu")).toBeNull();
    expect(
      await t.db.worker.findUnique({ where: { id: workerId! }, select: { currentRunId: true } }),
    ).toEqual({ currentRunId: ordered[1]!.id });
  });

  it.runIf(provider === "postgresql")(
    "skips a queued run another transaction has locked instead of waiting for it",
    async () => {
      await seedQueuedRuns(t.db, t.provider, { runs: 2 });
      const [workerId] = await registerWorkers(t.db, 1, now);
      const ordered = await t.db.run.findMany({
        orderBy: [{ queuedAt: "asc" }, { id: "asc" }],
        select: { id: true },
      });
      const other = new pg.Client(postgresPoolConfig(t.url));
      await other.connect();
      try {
        await other.query("BEGIN");
        await other.query(`SELECT "id" FROM "Run" WHERE "id" = $1 FOR UPDATE`, [ordered[0]!.id]);
        const runs = new RunRepository(t.db, t.provider);
        expect((await runs.claimNext(workerId!, now, lease, "cpu"))?.run.id).toBe(ordered[1]!.id);
        expect(await runs.claimNext(workerId!, now, lease, "cpu")).toBeNull();
        await other.query("ROLLBACK");
        expect((await runs.claimNext(workerId!, now, lease, "cpu"))?.run.id).toBe(ordered[0]!.id);
      } finally {
        await other.end();
      }
    },
  );
});
