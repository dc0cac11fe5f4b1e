import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestDb, testDbProvider, type TestDb } from "../testing/create-test-db";
import { seedQueuedRuns } from "../testing/fixtures";
import { ExperimentRepository } from "./experiment-repository";

const provider = testDbProvider();
let t: TestDb;

beforeEach(async () => {
  t = await createTestDb();
});
afterEach(async () => t.cleanup());

describe(`ExperimentRepository on ${provider}`, () => {
  it("searches names case-insensitively and counts runs by status", async () => {
    await seedQueuedRuns(t.db, t.provider, { runs: 3, name: "Digits Baseline" });
    await seedQueuedRuns(t.db, t.provider, { runs: 1, name: "Fashion sweep" });
    const experiments = new ExperimentRepository(t.db, t.provider);
    const found = await experiments.list({ limit: 10, search: "digits" });
    expect(found.items.map((e) => e.name)).toEqual(["Digits Baseline"]);
    expect(found.items[0]!.runCounts).toEqual({
      QUEUED: 3,
      RUNNING: 0,
      SUCCEEDED: 0,
      FAILED: 0,
      CANCELED: 0,
    });
    expect(
      (await experiments.list({ limit: 10, search: "SWEEP" })).items.map((e) => e.name),
    ).toEqual(["Fashion sweep"]);
    expect((await experiments.list({ limit: 10 })).items).toHaveLength(2);
  });
});
