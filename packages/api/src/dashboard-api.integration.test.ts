import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PRESETS } from "@tlab/core/presets";
import {
  createApiHarness,
  finalMetricsFixture,
  trpcErrorOf,
  workerInfoFixture,
} from "./testing/api-harness";

// The dashboard's read models and the retry transition, through createCaller on a real database
// (SQLite here, PostgreSQL under `npm run test:pg`).

type Harness = Awaited<ReturnType<typeof createApiHarness>>;
let h: Harness;
let clock: Date;

beforeEach(async () => {
  clock = new Date("2026-01-01T00:00:00Z");
  h = await createApiHarness({ leaseMs: 10_000, now: () => clock });
});
afterEach(async () => h.cleanup());

const workerInfo = { ...workerInfoFixture, name: "gpu-box-1" };

/** Claims the next queued run and finishes it: succeeded with `accuracy`, or failed when null. */
async function finishNext(workerId: string, accuracy: number | null): Promise<string> {
  const spec = await h.worker.worker.claim({ workerId });
  if (!spec) throw new Error("nothing to claim");
  await h.worker.worker.reportMetrics({
    workerId,
    runId: spec.runId,
    points: [{ name: "val/accuracy", step: 1, value: 0.5 }],
  });
  if (accuracy === null)
    await h.worker.worker.fail({
      workerId,
      runId: spec.runId,
      reason: "out of memory",
      canceled: false,
    });
  else
    await h.worker.worker.complete({
      workerId,
      runId: spec.runId,
      metrics: finalMetricsFixture({ testAccuracy: accuracy }),
    });
  return spec.runId;
}

describe("experiment.compare", () => {
  it("carries the final metrics of succeeded runs, so the page needs one request", async () => {
    const { id } = await h.user.experiment.create({
      ...PRESETS.digits,
      name: "one request",
      strategies: [{ kind: "frozen" }, { kind: "full" }],
    });
    const worker = await h.worker.worker.register(workerInfo);
    const done = await finishNext(worker.id, 0.9);
    const comparison = await h.user.experiment.compare({ experimentId: id });
    expect(Object.keys(comparison.finalMetrics ?? {})).toEqual([done]);
    expect(comparison.finalMetrics?.[done]?.confusionMatrix).toEqual([
      [9, 1],
      [0, 10],
    ]);
    expect(comparison.series.find((s) => s.runId === done)?.metrics[0]?.points).toEqual([
      { step: 1, value: 0.5 },
    ]);
  });
});

describe("experiment.table", () => {
  it("filters by status, base model and dataset, sorts by name and pages with a cursor", async () => {
    for (const name of ["beta", "alpha", "gamma"])
      await h.user.experiment.create({ ...PRESETS.digits, name, strategies: [{ kind: "frozen" }] });
    const worker = await h.worker.worker.register(workerInfo);
    await finishNext(worker.id, 0.75); // the oldest queued run: "beta"

    const byName = await h.user.experiment.table({ limit: 2, sort: "name", direction: "asc" });
    expect(byName.items.map((e) => e.name)).toEqual(["alpha", "beta"]);
    expect(byName.total).toBe(3);
    const next = await h.user.experiment.table({
      limit: 2,
      sort: "name",
      direction: "asc",
      cursor: byName.nextCursor,
    });
    expect(next.items.map((e) => e.name)).toEqual(["gamma"]);
    expect(next.nextCursor).toBeNull();

    const succeeded = await h.user.experiment.table({ status: "SUCCEEDED" });
    expect(succeeded.items.map((e) => [e.name, e.bestTestAccuracy])).toEqual([["beta", 0.75]]);
    expect(
      (
        await h.user.experiment.table({
          baseModel: "lenet5-digits-0-4",
          dataset: "mnist-digits-5-9",
        })
      ).total,
    ).toBe(3);
    expect((await h.user.experiment.table({ dataset: "cifar" })).total).toBe(0);
  });

  it("refuses a cursor it did not issue, naming the field", async () => {
    const error = await trpcErrorOf(h.user.experiment.table({ cursor: "not-a-cursor" }));
    expect(error.code).toBe("BAD_REQUEST");
    expect(error.message).toMatch(/^cursor: /);
  });
});

describe("run.table and run.compare", () => {
  it("lists runs across experiments with their experiment, best first, nulls last", async () => {
    await h.user.experiment.create({
      ...PRESETS.digits,
      name: "first",
      strategies: [{ kind: "frozen" }, { kind: "partial" }],
    });
    await h.user.experiment.create({
      ...PRESETS.digits,
      name: "second",
      strategies: [{ kind: "full" }],
    });
    const worker = await h.worker.worker.register(workerInfo);
    const low = await finishNext(worker.id, 0.6);
    const high = await finishNext(worker.id, 0.9);

    const byAccuracy = await h.user.run.table({
      sort: "testAccuracy",
      direction: "desc",
      limit: 2,
    });
    expect(byAccuracy.items.map((r) => r.id)).toEqual([high, low]);
    expect(byAccuracy.total).toBe(3);
    const rest = await h.user.run.table({
      sort: "testAccuracy",
      direction: "desc",
      limit: 2,
      cursor: byAccuracy.nextCursor,
    });
    expect(rest.items.map((r) => [r.experimentName, r.strategy, r.testAccuracy])).toEqual([
      ["second", "full", null],
    ]);

    expect((await h.user.run.table({ status: ["QUEUED"] })).items.map((r) => r.strategy)).toEqual([
      "full",
    ]);
    expect((await h.user.run.table({ strategy: ["frozen", "partial"] })).total).toBe(2);
    expect(
      (await h.user.run.table({ search: "SECOND" })).items.map((r) => r.experimentName),
    ).toEqual(["second"]);
    expect((await h.user.run.table({ search: low })).items.map((r) => r.id)).toEqual([low]);

    const compared = await h.user.run.compare({ runIds: [high, "missing-run", low] });
    expect(compared.runs.map((r) => r.run.id)).toEqual([high, low]);
    expect(compared.missing).toEqual(["missing-run"]);
    expect(compared.runs[0]!.finalMetrics?.testAccuracy).toBe(0.9);
    expect(compared.runs[0]!.settings).toMatchObject({
      epochs: PRESETS.digits.epochs,
      batchSize: 32,
      training: PRESETS.digits.training,
    });
    expect(compared.runs[0]!.metrics).toEqual([
      { name: "val/accuracy", points: [{ step: 1, value: 0.5 }] },
    ]);
  });
});

describe("run.retry", () => {
  it("puts a failed run back in the queue as a fresh attempt with its old points removed", async () => {
    await h.user.experiment.create({
      ...PRESETS.digits,
      name: "retry",
      strategies: [{ kind: "frozen" }],
    });
    const worker = await h.worker.worker.register(workerInfo);
    const runId = await finishNext(worker.id, null);
    expect((await h.user.run.byId({ runId })).status).toBe("FAILED");

    clock = new Date("2026-01-01T00:05:00Z");
    const retried = await h.user.run.retry({ runId });
    expect(retried).toMatchObject({
      status: "QUEUED",
      attempt: 1,
      workerId: null,
      finishedAt: null,
      progress: 0,
    });
    expect(retried.queuedAt).toBe("2026-01-01T00:05:00.000Z");
    expect(retried.failureReason).toBe("retried after attempt 1 ended failed: out of memory");
    expect(await h.user.run.metrics({ runId })).toEqual([]);

    // Retrying again while it is queued is refused; the next claim is attempt 2.
    const again = await trpcErrorOf(h.user.run.retry({ runId }));
    expect(again.code).toBe("BAD_REQUEST");
    expect(again.message).toMatch(/is queued; only failed or canceled runs can be retried/);
    const spec = await h.worker.worker.claim({ workerId: worker.id });
    expect(spec).toMatchObject({ runId, attempt: 2 });
  });

  it("retries a canceled run and says NOT_FOUND for an unknown one", async () => {
    const { id } = await h.user.experiment.create({
      ...PRESETS.digits,
      name: "cancel",
      strategies: [{ kind: "full" }],
    });
    const [run] = (await h.user.experiment.byId({ experimentId: id })).runs;
    await h.user.run.cancel({ runId: run!.id });
    expect((await h.user.run.retry({ runId: run!.id })).status).toBe("QUEUED");
    expect((await trpcErrorOf(h.user.run.retry({ runId: "nope" }))).code).toBe("NOT_FOUND");
  });
});
