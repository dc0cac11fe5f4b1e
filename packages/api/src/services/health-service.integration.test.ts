import path from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { createDb, providerOf, tuneSqlite, type Db } from "@tlab/db/client";
import { applyMigrationsToFreshSqlite } from "@tlab/db/migrate-sqlite";
import { HealthProbeRepository } from "@tlab/db/repositories/health-probe-repository";
import { createTestDb, testDbProvider, type TestDb } from "@tlab/db/testing/create-test-db";
import { mountSmallDisk } from "@tlab/db/testing/small-disk";
import { HealthService } from "./health-service";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function testDb(): Promise<TestDb> {
  const created = await createTestDb();
  cleanups.push(created.cleanup);
  return created;
}

const healthOf = (db: Db, timeoutMs = 500) =>
  new HealthService(new HealthProbeRepository(db), providerOf(db), timeoutMs);

describe("HealthService", () => {
  it("is ok when start-up is done and a write commits, and starting while start-up is pending", async () => {
    const { db, provider } = await testDb();
    expect(await healthOf(db).check(null)).toEqual({ status: "ok", db: provider });
    expect(
      await healthOf(db).check({
        waitingFor: "platform",
        reason: "npm start is signing the local CLI in",
      }),
    ).toEqual({
      status: "starting",
      db: provider,
      waitingFor: "platform",
      reason: "npm start is signing the local CLI in",
    });
  });

  it("is degraded, with the reason, while a transaction holds the database past the probe's timeout", async () => {
    const { db } = await testDb();
    let letGo!: () => void;
    // A transaction that has written the probe's row and does not finish: the probe waits for it
    // (for the whole file on SQLite, for the row's lock on PostgreSQL).
    const stuck = db.$transaction(
      async (tx) => {
        await tx.setting.create({ data: { key: "health.probe", value: "held" } });
        await new Promise<void>((resolve) => (letGo = resolve));
      },
      { timeout: 20_000 },
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    const report = await healthOf(db, 300).check(null);
    expect(report.status).toBe("degraded");
    expect(report.reason).toMatch(/short write transaction/);
    letGo();
    await stuck;
    expect((await healthOf(db).check(null)).status).toBe("ok");
  });

  it.skipIf(testDbProvider() !== "sqlite")(
    "is degraded when the database refuses writes (read-only), ok again after",
    async () => {
      const { db } = await testDb();
      await db.$executeRawUnsafe("PRAGMA query_only = ON");
      const report = await healthOf(db).check(null);
      expect(report).toMatchObject({
        status: "degraded",
        reason: expect.stringMatching(/readonly database/),
      });
      await db.$executeRawUnsafe("PRAGMA query_only = OFF");
      expect((await healthOf(db).check(null)).status).toBe("ok");
    },
  );
});

/** A real full disk (tmpfs; skipped where it cannot be mounted). */
const disk = testDbProvider() === "sqlite" ? mountSmallDisk(4 * 1024 * 1024) : null;
afterAll(() => disk?.unmount());

describe.skipIf(!disk)("HealthService on a full disk", () => {
  it("reports degraded with 'disk is full', then ok once space is back, and transactions work again", async () => {
    const file = path.join(disk!.dir, "tlab.db");
    applyMigrationsToFreshSqlite(file);
    const { db } = createDb(`file:${file}`);
    cleanups.push(() => db.$disconnect());
    await tuneSqlite(db);
    expect((await healthOf(db).check(null)).status).toBe("ok");

    disk!.fill();
    // Fill the last pages too: the probe's write needs only one.
    await db
      .$transaction(async (tx) => {
        for (let i = 0; i < 200; i++)
          await tx.setting.create({ data: { key: `fill-${i}`, value: "x".repeat(8_000) } });
      })
      .catch(() => undefined);
    const report = await healthOf(db).check(null);
    expect(report).toMatchObject({
      status: "degraded",
      reason: expect.stringMatching(/database or disk is full/),
    });

    disk!.free();
    expect(await healthOf(db).check(null)).toMatchObject({ status: "ok" });
    await db.$transaction(async (tx) => tx.setting.create({ data: { key: "after", value: "y" } }));
    expect(await db.setting.findUnique({ where: { key: "after" } })).toMatchObject({ value: "y" });
  });
});
