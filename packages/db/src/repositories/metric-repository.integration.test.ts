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
  it("downsamples long series in the database, keeping first, last and every spike", async () => {
    const { runIds } = await seedQueuedRuns(t.db, t.provider, { runs: 1 });
    const runId = runIds[0]!;
    const metrics = new MetricRepository(t.db, t.provider);
    const points = Array.from({ length: 30_000 }, (_, i) => ({ name: "train/loss", step: i + 1, value: Math.cos(i / 300) }));
    points[12_345] = { name: "train/loss", step: 12_346, value: 9 };
    points[23_456] = { name: "train/loss", step: 23_457, value: -9 };
    await metrics.upsertPoints(runId, [...points, { name: "val/accuracy", step: 1, value: 0.5 }, { name: "val/accuracy", step: 2, value: 0.7 }]);

    const series = await metrics.downsampledSeries(runId, 2000);
    const loss = series.get("train/loss")!;
    expect(loss.length).toBeLessThanOrEqual(2000);
    expect(loss.length).toBeGreaterThan(1000);
    expect(loss[0]).toEqual({ step: 1, value: 1 });
    expect(loss.at(-1)).toEqual({ step: 30_000, value: Math.cos(29_999 / 300) });
    expect(loss).toContainEqual({ step: 12_346, value: 9 });
    expect(loss).toContainEqual({ step: 23_457, value: -9 });
    const steps = loss.map((p) => p.step);
    expect(steps).toEqual([...steps].sort((a, b) => a - b));
    // Short series come back whole.
    expect(series.get("val/accuracy")).toEqual([
      { step: 1, value: 0.5 },
      { step: 2, value: 0.7 },
    ]);
  });

  it("upserts points idempotently on (run, name, step), across chunks and within one batch", async () => {
    const { runIds } = await seedQueuedRuns(t.db, t.provider, { runs: 1 });
    const runId = runIds[0]!;
    const metrics = new MetricRepository(t.db, t.provider);
    // 4,500 points: more than one INSERT statement's worth.
    const loss = Array.from({ length: 4500 }, (_, i) => ({ name: "train/loss", step: i + 1, value: 1 / (i + 1) }));
    expect(await metrics.upsertPoints(runId, loss)).toBe(4500);
    // A retried batch overlapping the first, with a changed value and a key repeated in the batch.
    const retry = [
      { name: "train/loss", step: 4499, value: 0.5 },
      { name: "train/loss", step: 4500, value: 0.25 },
      { name: "train/loss", step: 4500, value: 0.125 },
      { name: "val/accuracy", step: 1, value: 1 },
    ];
    await metrics.upsertPoints(runId, retry);

    const series = await metrics.series(runId);
    const lossSeries = series.get("train/loss")!;
    expect(lossSeries.map((p) => p.step)).toEqual(Array.from({ length: 4500 }, (_, i) => i + 1));
    expect(lossSeries.slice(-2)).toEqual([
      { step: 4499, value: 0.5 },
      { step: 4500, value: 0.125 },
    ]);
    expect(lossSeries[9]).toEqual({ step: 10, value: 0.1 });
    expect(series.get("val/accuracy")).toEqual([{ step: 1, value: 1 }]);
    expect((await metrics.series(runId, 4498)).get("train/loss")!.map((p) => p.step)).toEqual([4499, 4500]);
  });
});
