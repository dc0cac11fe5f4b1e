import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestDb, testDbProvider, type TestDb } from "../testing/create-test-db";
import { seedQueuedRuns } from "../testing/fixtures";
import { MetricRepository } from "./metric-repository";

const provider = testDbProvider();
let t: TestDb;

beforeEach(async () => {
  t = await createTestDb();
});
afterEach(async () => t.cleanup());

describe(`MetricRepository on ${provider}`, () => {
  it("upserts points idempotently on (run, name, step), across chunks and within one batch", async () => {
    const { runIds } = await seedQueuedRuns(t.db, t.provider, { runs: 1 });
    const runId = runIds[0]!;
    const metrics = new MetricRepository(t.db, t.provider);
    // 1,200 points: more than one INSERT statement's worth.
    const loss = Array.from({ length: 1200 }, (_, i) => ({ name: "train/loss", step: i + 1, value: 1 / (i + 1) }));
    expect(await metrics.upsertPoints(runId, loss)).toBe(1200);
    // A retried batch overlapping the first, with a changed value and a key repeated in the batch.
    const retry = [
      { name: "train/loss", step: 1199, value: 0.5 },
      { name: "train/loss", step: 1200, value: 0.25 },
      { name: "train/loss", step: 1200, value: 0.125 },
      { name: "val/accuracy", step: 1, value: 1 },
    ];
    await metrics.upsertPoints(runId, retry);

    const series = await metrics.series(runId);
    const lossSeries = series.get("train/loss")!;
    expect(lossSeries.map((p) => p.step)).toEqual(Array.from({ length: 1200 }, (_, i) => i + 1));
    expect(lossSeries.slice(-2)).toEqual([
      { step: 1199, value: 0.5 },
      { step: 1200, value: 0.125 },
    ]);
    expect(lossSeries[9]).toEqual({ step: 10, value: 0.1 });
    expect(series.get("val/accuracy")).toEqual([{ step: 1, value: 1 }]);
    expect((await metrics.series(runId, 1198)).get("train/loss")!.map((p) => p.step)).toEqual([1199, 1200]);
  });
});
