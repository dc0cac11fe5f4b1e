import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestDb, testDbProvider, type TestDb } from "../testing/create-test-db";
import { seedQueuedRuns } from "../testing/fixtures";
import { RunLogRepository } from "./run-log-repository";

const provider = testDbProvider();
let t: TestDb;

beforeEach(async () => {
  t = await createTestDb();
});
afterEach(async () => t.cleanup());

const line = (seq: number, message = `line ${seq}`) => ({
  seq,
  level: "info" as const,
  message,
  time: new Date(Date.UTC(2026, 10, 28, 12, 0, seq)).toISOString(),
});

describe(`RunLogRepository on ${provider}`, () => {
  it("stores a batch sent twice once, keeping the first copy of each line", async () => {
    const { runIds } = await seedQueuedRuns(t.db, t.provider, { runs: 1 });
    const runId = runIds[0]!;
    const logs = new RunLogRepository(t.db, t.provider);
    expect(await logs.appendLines(runId, 1, [line(0), line(1), line(2)])).toBe(3);
    expect(await logs.appendLines(runId, 1, [line(1, "changed"), line(2), line(3)])).toBe(1);

    const page = await logs.page(runId, undefined, 100);
    expect(page.map((l) => [l.attempt, l.seq, l.message])).toEqual([
      [1, 0, "line 0"],
      [1, 1, "line 1"],
      [1, 2, "line 2"],
      [1, 3, "line 3"],
    ]);
    expect(page[2]).toEqual({
      attempt: 1,
      seq: 2,
      level: "info",
      message: "line 2",
      time: "2026-11-28T12:00:02.000Z",
    });
  });

  it("reads in (attempt, seq) order after a cursor, a later attempt after the earlier one, and in chunks larger than one statement", async () => {
    const { runIds } = await seedQueuedRuns(t.db, t.provider, { runs: 2 });
    const [runId, other] = [runIds[0]!, runIds[1]!];
    const logs = new RunLogRepository(t.db, t.provider);
    await logs.appendLines(runId, 2, [line(0, "second attempt"), line(1, "second attempt again")]);
    await logs.appendLines(
      runId,
      1,
      Array.from({ length: 1_200 }, (_, i) => line(i)),
    );
    await logs.appendLines(other, 1, [line(0, "another run")]);

    const first = await logs.page(runId, undefined, 1_000);
    expect(first).toHaveLength(1_000);
    expect(first.at(-1)).toMatchObject({ attempt: 1, seq: 999 });
    const rest = await logs.page(runId, { attempt: 1, seq: 999 }, 1_000);
    expect(rest.map((l) => `${l.attempt}/${l.seq}`)).toEqual([
      ...Array.from({ length: 200 }, (_, i) => `1/${1_000 + i}`),
      "2/0",
      "2/1",
    ]);
    expect(await logs.page(runId, { attempt: 2, seq: 1 }, 10)).toEqual([]);
  });

  it("goes with its run", async () => {
    const { runIds } = await seedQueuedRuns(t.db, t.provider, { runs: 1 });
    const runId = runIds[0]!;
    const logs = new RunLogRepository(t.db, t.provider);
    await logs.appendLines(runId, 1, [line(0)]);
    await t.db.run.delete({ where: { id: runId } });
    expect(await t.db.runLog.count()).toBe(0);
  });
});
