import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PRESETS } from "@tlab/core/presets";
import { createDb, tuneSqlite } from "@tlab/db/client";
import { applyMigrationsToFreshSqlite } from "@tlab/db/migrate-sqlite";
import { testDbProvider } from "@tlab/db/testing/create-test-db";
import { mountSmallDisk } from "@tlab/db/testing/small-disk";
import { createContextInner } from "./context";
import { createCaller } from "./root";
import { createRepositories, createServices } from "./services/create-services";
import { addTestUser, LENET_LAYERS, trpcErrorOf, workerInfoFixture } from "./testing/api-harness";

/** The database on a small tmpfs that the test fills up (skipped where it cannot be mounted). */
const disk = testDbProvider() === "sqlite" ? mountSmallDisk(4 * 1024 * 1024) : null;
afterAll(() => disk?.unmount());

describe.skipIf(!disk)("API calls while the database's disk is full", () => {
  it("answer 503 naming the full storage (not a generic 500), and work again once space is back", async () => {
    const file = path.join(disk!.dir, "tlab.db");
    applyMigrationsToFreshSqlite(file);
    const { db } = createDb(`file:${file}`);
    await tuneSqlite(db);
    try {
      const services = createServices(db);
      await createRepositories(db).catalog.upsertDataset({
        name: "mnist-digits-5-9",
        description: "",
        spec: { source: "mnist", classes: [5, 6, 7, 8, 9] },
        classNames: ["5", "6", "7", "8", "9"],
      });
      await createRepositories(db).catalog.upsertBaseModel({
        name: "lenet5-digits-0-4",
        description: "",
        source: "builtin",
        storagePath: "-",
        inputShape: [28, 28, 1],
        layers: LENET_LAYERS,
        totalParams: 43576,
        sha256: "0".repeat(64),
      });
      const member = await addTestUser(db, "member@example.test", "member");
      const user = createCaller(
        createContextInner({ services, principal: { kind: "user", user: member, via: "session" } }),
      );
      const worker = createCaller(createContextInner({ services, isWorker: true }));
      await user.experiment.create({
        ...PRESETS.digits,
        name: "full disk",
        strategies: [PRESETS.digits.strategies[0]!],
        epochs: 2,
      });
      const { id: workerId } = await worker.worker.register(workerInfoFixture);
      const { runId } = (await worker.worker.claim({ workerId }))!;

      disk!.fill();
      // Take the last free pages too (a transaction that cannot commit): any later write needs one.
      await db
        .$transaction(async (tx) => {
          for (let i = 0; i < 200; i++)
            await tx.setting.create({ data: { key: `fill-${i}`, value: "x".repeat(8_000) } });
        })
        .catch(() => undefined);
      const refused = await trpcErrorOf(
        worker.worker.reportMetrics({
          workerId,
          runId,
          points: [{ name: "val/accuracy", step: 1, value: 0.5 }],
        }),
      );
      expect(refused.code).toBe("SERVICE_UNAVAILABLE");
      expect(refused.message).toMatch(
        /^the server's storage is full \(.+\): nothing was stored; an operator must free space/,
      );

      disk!.free();
      await worker.worker.reportMetrics({
        workerId,
        runId,
        points: [{ name: "val/accuracy", step: 1, value: 0.5 }],
      });
      expect(
        (await user.run.metrics({ runId })).find((s) => s.name === "val/accuracy")?.points,
      ).toEqual([{ step: 1, value: 0.5 }]);
    } finally {
      await db.$disconnect();
    }
  });
});
