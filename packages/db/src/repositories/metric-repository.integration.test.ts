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
    const points = Array.from({ length: 30_000 }, (_, i) => ({
      name: "train/loss",
      step: i + 1,
      value: Math.cos(i / 300),
    }));
    points[12_345] = { name: "train/loss", step: 12_346, value: 9 };
    points[23_456] = { name: "train/loss", step: 23_457, value: -9 };
    await metrics.upsertPoints(runId, [
      ...points,
      { name: "val/accuracy", step: 1, value: 0.5 },
      { name: "val/accuracy", step: 2, value: 0.7 },
    ]);

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

  it("reduces every series of a run to stored points within maxPoints, keeping first, last and each region's extremes", async () => {
    const { runIds } = await seedQueuedRuns(t.db, t.provider, { runs: 3 });
    const [runId, otherRunId, emptyRunId] = runIds as [string, string, string];
    const metrics = new MetricRepository(t.db, t.provider);
    const maxPoints = 100;
    // A range exactly maxPoints wide, one a step wider, and a long sparse series starting late
    // with a spike every 1,000 steps, alternately up and down.
    const fits = Array.from({ length: maxPoints }, (_, i) => ({
      name: "a/fits",
      step: i + 1,
      value: Math.sin(i),
    }));
    const wider = Array.from({ length: maxPoints + 1 }, (_, i) => ({
      name: "b/wider",
      step: i + 1,
      value: Math.sin(i),
    }));
    const spikes = new Map(
      Array.from({ length: 9 }, (_, i) => [7 + (i + 1) * 1000, i % 2 === 0 ? 100 + i : -100 - i]),
    );
    const sparse = Array.from({ length: 5000 }, (_, i) => 7 + 2 * i).map((step) => ({
      name: "c/sparse",
      step,
      value: spikes.get(step) ?? Math.cos(step / 50),
    }));
    await metrics.upsertPoints(runId, [...fits, ...wider, ...sparse]);
    await metrics.upsertPoints(otherRunId, [{ name: "a/fits", step: 1, value: 42 }]);

    const series = await metrics.downsampledSeries(runId, maxPoints);
    const all = await metrics.series(runId);
    expect([...series.keys()]).toEqual(["a/fits", "b/wider", "c/sparse"]);
    expect(series.get("a/fits")).toEqual(all.get("a/fits"));
    for (const name of ["b/wider", "c/sparse"]) {
      const points = series.get(name)!;
      const input = all.get(name)!;
      const valueAt = new Map(input.map((p) => [p.step, p.value]));
      expect(points.length).toBeLessThanOrEqual(maxPoints);
      expect(points.length).toBeLessThan(input.length);
      for (const p of points) expect(p.value).toBe(valueAt.get(p.step));
      const steps = points.map((p) => p.step);
      expect(steps.every((step, i) => i === 0 || step > steps[i - 1]!)).toBe(true);
      expect(steps[0]).toBe(input[0]!.step);
      expect(steps.at(-1)).toBe(input.at(-1)!.step);
      expect(points).toContainEqual(
        expect.objectContaining({ value: Math.min(...input.map((p) => p.value)) }),
      );
      expect(points).toContainEqual(
        expect.objectContaining({ value: Math.max(...input.map((p) => p.value)) }),
      );
    }
    for (const [step, value] of spikes)
      expect(series.get("c/sparse")).toContainEqual({ step, value });
    expect((await metrics.downsampledSeries(otherRunId, maxPoints)).get("a/fits")).toEqual([
      { step: 1, value: 42 },
    ]);
    expect((await metrics.downsampledSeries(emptyRunId, maxPoints)).size).toBe(0);
    await expect(metrics.downsampledSeries(runId, 3)).rejects.toThrow(/maxPoints/);
  });

  it("upserts points idempotently on (run, name, step), across chunks and within one batch", async () => {
    const { runIds } = await seedQueuedRuns(t.db, t.provider, { runs: 1 });
    const runId = runIds[0]!;
    const metrics = new MetricRepository(t.db, t.provider);
    // 4,500 points: more than one INSERT statement's worth.
    const loss = Array.from({ length: 4500 }, (_, i) => ({
      name: "train/loss",
      step: i + 1,
      value: 1 / (i + 1),
    }));
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
    expect((await metrics.series(runId, 4498)).get("train/loss")!.map((p) => p.step)).toEqual([
      4499, 4500,
    ]);
  });
});
