import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestDb, testDbProvider, type TestDb } from "../testing/create-test-db";
import { AttemptLogRepository } from "./attempt-log-repository";

const provider = testDbProvider();
let t: TestDb;

beforeEach(async () => {
  t = await createTestDb();
});
afterEach(async () => {
  await t.cleanup();
});

/** The repository one web replica uses. */
function replicaRepository(): AttemptLogRepository {
  return new AttemptLogRepository(t.replicaDb());
}

const WINDOW = 5 * 60_000;
const at = (ms: number) => new Date(Date.UTC(2026, 11, 2, 12, 0, 0) + ms);

describe(`AttemptLogRepository on ${provider}`, () => {
  it("allows max attempts per key in a sliding window, counting refused ones nowhere", async () => {
    const log = new AttemptLogRepository(t.db);
    const taken: boolean[] = [];
    for (let i = 0; i < 3; i++)
      taken.push(await log.take("sign-in:ada@example.test", 3, WINDOW, at(i * 60_000)));
    taken.push(await log.take("sign-in:ada@example.test", 3, WINDOW, at(4 * 60_000)));
    expect(taken).toEqual([true, true, true, false]);
    // Another key has its own count.
    expect(await log.take("sign-in:bob@example.test", 3, WINDOW, at(4 * 60_000))).toBe(true);
    // The first attempt leaves the window at 5:00, so one more fits, and the refused one at 4:00 does not count.
    expect(await log.take("sign-in:ada@example.test", 3, WINDOW, at(WINDOW - 1))).toBe(false);
    expect(await log.take("sign-in:ada@example.test", 3, WINDOW, at(WINDOW))).toBe(true);
    expect(await log.take("sign-in:ada@example.test", 3, WINDOW, at(WINDOW + 1))).toBe(false);
    expect(await log.take("sign-in:ada@example.test", 3, WINDOW, at(WINDOW + 60_000))).toBe(true);
  });

  it("replicas taking attempts for one key at once are granted exactly max between them", async () => {
    const replicas = [replicaRepository(), replicaRepository(), replicaRepository()];
    const results = await Promise.all(
      replicas.flatMap((log) =>
        Array.from({ length: 8 }, () => log.take("sign-in:ada@example.test", 10, WINDOW, at(0))),
      ),
    );
    expect(results.filter(Boolean)).toHaveLength(10);
    expect(await replicas[0]!.take("sign-in:ada@example.test", 10, WINDOW, at(1))).toBe(false);
  });

  it("a new key prunes the rows whose attempts have all left their window", async () => {
    const log = new AttemptLogRepository(t.db);
    await log.take("sign-in:ada@example.test", 3, WINDOW, at(0));
    await log.take("sign-in:bob@example.test", 3, WINDOW, at(60_000));
    await log.take("sign-in:eve@example.test", 3, WINDOW, at(WINDOW + 30_000));
    expect(
      (await t.db.attemptLog.findMany({ select: { key: true }, orderBy: { key: "asc" } })).map(
        (r) => r.key,
      ),
    ).toEqual(["sign-in:bob@example.test", "sign-in:eve@example.test"]);
  });
});
