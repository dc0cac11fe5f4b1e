import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PRESETS } from "@tlab/core/presets";
import {
  createApiHarness,
  finalMetricsFixture,
  trpcErrorOf,
  workerInfoFixture,
} from "./testing/api-harness";

type Harness = Awaited<ReturnType<typeof createApiHarness>>;
let h: Harness;
let clock: Date;

beforeEach(async () => {
  clock = new Date("2026-01-01T00:00:00Z");
  h = await createApiHarness({ leaseMs: 10_000, now: () => clock });
});
afterEach(async () => h.cleanup());

const workerInfo = workerInfoFixture;
const metrics = finalMetricsFixture();

describe("experiment procedures", () => {
  it("create fans out one run per strategy and seed, all queued, and list/byId return it", async () => {
    const { id, runCount } = await h.user.experiment.create({
      ...PRESETS.digits,
      name: "three ways",
      seeds: 2,
    });
    expect(runCount).toBe(6);
    const experiment = await h.user.experiment.byId({ experimentId: id });
    expect(experiment.runs.map((r) => `${r.strategy}:${r.seed}:${r.status}`).sort()).toEqual([
      "frozen:1:QUEUED",
      "frozen:2:QUEUED",
      "full:1:QUEUED",
      "full:2:QUEUED",
      "partial:1:QUEUED",
      "partial:2:QUEUED",
    ]);
    expect(experiment.launchedBy).toEqual({
      id: h.users.member.id,
      name: h.users.member.name,
      email: "member@example.test",
    });
    const list = await h.user.experiment.list({ limit: 10 });
    expect(list.items.map((e) => e.name)).toEqual(["three ways"]);
    expect(list.items[0]!.runCounts.QUEUED).toBe(6);
  });

  it("bad input names the field and creates nothing", async () => {
    const badName = await trpcErrorOf(h.user.experiment.create({ ...PRESETS.digits, name: "" }));
    expect(badName.code).toBe("BAD_REQUEST");
    expect(badName.message).toContain("Experiment name is required");

    const badModel = await trpcErrorOf(
      h.user.experiment.create({ ...PRESETS.digits, name: "x", baseModel: "resnet-999" }),
    );
    expect(badModel.code).toBe("BAD_REQUEST");
    expect(badModel.message).toBe(
      'baseModel: no base model named "resnet-999"; available: lenet5-digits-0-4',
    );

    const badCut = await trpcErrorOf(
      h.user.experiment.create({
        ...PRESETS.digits,
        name: "x",
        strategies: [{ kind: "partial", cut: { by: "layer", layer: "conv7" } }],
      }),
    );
    expect(badCut.message).toMatch(/^strategies\.partial\.cut: cut layer "conv7" is not a layer/);

    const badFraction = await trpcErrorOf(
      h.user.experiment.create({ ...PRESETS.digits, name: "x", validationFraction: 0.9 }),
    );
    expect(badFraction.code).toBe("BAD_REQUEST");
    expect(badFraction.message).toContain("must be a number from 0.05 to 0.5");

    // Digit 5 of the built-in dataset has 863 images: 5000 + 200 can never be drawn, so no run is queued to fail.
    const badSplit = await trpcErrorOf(
      h.user.experiment.create({ ...PRESETS.digits, name: "x", trainPerClass: 5000 }),
    );
    expect(badSplit.code).toBe("BAD_REQUEST");
    expect(badSplit.message).toBe(
      'trainPerClass: class "5" has only 863 images but trainPerClass (5000) + testPerClass (200) = 5200; lower them so they add up to at most 863',
    );
    expect((await h.user.experiment.list({ limit: 10 })).items).toHaveLength(0);
    expect(
      await h.worker.worker.claim({ workerId: (await h.worker.worker.register(workerInfo)).id }),
    ).toBeNull();
  });

  it("training options are stored with the experiment and handed to every run", async () => {
    const training = {
      augmentation: { flipHorizontal: false, shiftPixels: 2, rotateDegrees: 10, brightness: 0.1 },
      earlyStoppingPatience: 2,
      lrSchedule: "cosine" as const,
      batchNorm: "updated" as const,
    };
    const { id } = await h.user.experiment.create({ ...PRESETS.digits, name: "aug", training });
    expect((await h.user.experiment.byId({ experimentId: id })).training).toEqual(training);
    const worker = await h.worker.worker.register(workerInfo);
    const spec = await h.worker.worker.claim({ workerId: worker.id });
    expect(spec?.training).toEqual(training);
  });

  it("byId of an unknown experiment is NOT_FOUND", async () => {
    expect((await trpcErrorOf(h.user.experiment.byId({ experimentId: "nope" }))).code).toBe(
      "NOT_FOUND",
    );
  });
});

describe("worker procedures", () => {
  it("refuse callers without the worker token", async () => {
    expect((await trpcErrorOf(h.anonymous.worker.register(workerInfo))).code).toBe("UNAUTHORIZED");
    // A signed-in user, even an admin, is the wrong kind of credential for worker procedures.
    expect((await trpcErrorOf(h.admin.worker.register(workerInfo))).code).toBe("FORBIDDEN");
  });

  it("a run goes claim → heartbeat → metrics → complete, and the comparison shows it", async () => {
    const { id } = await h.user.experiment.create({
      ...PRESETS.digits,
      name: "e",
      strategies: [{ kind: "frozen" }],
    });
    const worker = await h.worker.worker.register(workerInfo);
    const spec = await h.worker.worker.claim({ workerId: worker.id });
    expect(spec).not.toBeNull();
    expect(spec!.strategy.kind).toBe("frozen");
    expect(spec!.baseModel.layers.map((l) => l.name)).toContain("fc2");
    expect(spec!.dataset.spec).toEqual({ source: "mnist", classes: [5, 6, 7, 8, 9] });
    expect(await h.worker.worker.claim({ workerId: worker.id })).toBeNull();

    expect(
      await h.worker.worker.heartbeat({ workerId: worker.id, runId: spec!.runId, progress: 0.5 }),
    ).toEqual({ cancelRequested: false });
    // The workers page names the run each worker trains and how far it got.
    expect((await h.user.worker.list()).find((w) => w.id === worker.id)?.currentRun).toEqual({
      id: spec!.runId,
      experimentName: "e",
      strategy: "frozen",
      seed: 1,
      progress: 0.5,
    });
    const points = [1, 2, 3].map((step) => ({ name: "val/accuracy", step, value: step / 4 }));
    await h.worker.worker.reportMetrics({ workerId: worker.id, runId: spec!.runId, points });
    // A retried batch (same keys) must not duplicate points; a changed value overwrites.
    await h.worker.worker.reportMetrics({
      workerId: worker.id,
      runId: spec!.runId,
      points: [...points.slice(1), { name: "val/accuracy", step: 3, value: 0.8 }],
    });
    await h.worker.worker.complete({ workerId: worker.id, runId: spec!.runId, metrics });

    const run = await h.user.run.byId({ runId: spec!.runId });
    expect(run.status).toBe("SUCCEEDED");
    expect(run.attempt).toBe(1);
    expect(run.finalMetrics?.confusionMatrix).toEqual(metrics.confusionMatrix);
    expect(run.backend).toBe("wasm");
    const comparison = await h.user.experiment.compare({ experimentId: id });
    const series = comparison.series[0]!.metrics.find((m) => m.name === "val/accuracy")!;
    expect(series.points).toEqual([
      { step: 1, value: 0.25 },
      { step: 2, value: 0.5 },
      { step: 3, value: 0.8 },
    ]);
  });

  it("metric reports carry the run's progress, which only moves forward within an attempt and restarts with the next", async () => {
    await h.user.experiment.create({
      ...PRESETS.digits,
      name: "progress",
      strategies: [{ kind: "frozen" }],
    });
    const worker = await h.worker.worker.register(workerInfo);
    const spec = await h.worker.worker.claim({ workerId: worker.id });
    const runId = spec!.runId;
    const progressOf = async () => (await h.user.run.byId({ runId })).progress;
    const epoch = (step: number) => [{ name: "val/accuracy", step, value: 0.5 }];

    await h.worker.worker.reportMetrics({
      workerId: worker.id,
      runId,
      points: epoch(1),
      progress: 0.1,
    });
    expect(await progressOf()).toBeCloseTo(0.1);
    await h.worker.worker.reportMetrics({
      workerId: worker.id,
      runId,
      points: epoch(2),
      progress: 0.2,
    });
    expect(await progressOf()).toBeCloseTo(0.2);
    // A heartbeat that captured an older value, or a retried report, arrives late: the bar stays.
    await h.worker.worker.heartbeat({ workerId: worker.id, runId, progress: 0.15 });
    await h.worker.worker.reportMetrics({
      workerId: worker.id,
      runId,
      points: epoch(1),
      progress: 0.1,
    });
    expect(await progressOf()).toBeCloseTo(0.2);
    // Points without progress (an older worker) leave it alone; heartbeats still move it forward.
    await h.worker.worker.reportMetrics({ workerId: worker.id, runId, points: epoch(3) });
    expect(await progressOf()).toBeCloseTo(0.2);
    await h.worker.worker.heartbeat({ workerId: worker.id, runId, progress: 0.25 });
    expect(await progressOf()).toBeCloseTo(0.25);
    // Only the worker holding the run moves it.
    const other = await h.worker.worker.register({ ...workerInfo, name: "w2" });
    expect(
      (
        await trpcErrorOf(
          h.worker.worker.reportMetrics({
            workerId: other.id,
            runId,
            points: epoch(4),
            progress: 0.9,
          }),
        )
      ).code,
    ).toBe("CONFLICT");
    expect(await progressOf()).toBeCloseTo(0.25);
    expect(
      (
        await trpcErrorOf(
          h.worker.worker.reportMetrics({
            workerId: worker.id,
            runId,
            points: epoch(4),
            progress: 1.5,
          }),
        )
      ).code,
    ).toBe("BAD_REQUEST");

    await h.worker.worker.release({
      workerId: worker.id,
      runId,
      reason: "worker shut down; requeued",
    });
    const next = await h.worker.worker.claim({ workerId: other.id });
    expect(next).toMatchObject({ runId, attempt: 2 });
    expect(await progressOf()).toBe(0);
    await h.worker.worker.reportMetrics({
      workerId: other.id,
      runId,
      points: epoch(4),
      progress: 0.4,
    });
    expect(await progressOf()).toBeCloseTo(0.4);
  });

  it("a claim retried after its reply was lost gets the run it was granted back, not a second one", async () => {
    const { id } = await h.user.experiment.create({ ...PRESETS.digits, name: "lost reply" });
    const worker = await h.worker.worker.register(workerInfo);
    const granted = await h.worker.worker.claim({ workerId: worker.id }); // the reply never reaches the worker
    clock = new Date(clock.getTime() + 6_000);
    const retried = await h.worker.worker.claim({ workerId: worker.id, reclaim: true });
    expect(retried).toMatchObject({ runId: granted!.runId, attempt: 1 });
    const statuses = (await h.user.experiment.byId({ experimentId: id })).runs
      .map((r) => r.status)
      .sort();
    expect(statuses).toEqual(["QUEUED", "QUEUED", "RUNNING"]);
    // The retry renewed the lease: 12 s after the first claim (lease 10 s) it is not swept.
    clock = new Date(clock.getTime() + 6_000);
    expect(await h.services.runs.sweepExpiredLeases()).toEqual({ requeued: 0, failed: 0 });
    // A worker that holds nothing gets the next queued run as usual, and a plain claim never reclaims.
    const other = await h.worker.worker.register({ ...workerInfo, name: "w2" });
    const fresh = await h.worker.worker.claim({ workerId: other.id, reclaim: true });
    expect(fresh?.runId).not.toBe(granted!.runId);
    const second = await h.worker.worker.claim({ workerId: worker.id });
    expect([granted!.runId, fresh!.runId]).not.toContain(second!.runId);
  });

  it("concurrent claims hand each run to exactly one worker", async () => {
    await h.user.experiment.create({ ...PRESETS.digits, name: "race", seeds: 4 });
    const workers = await Promise.all(
      Array.from({ length: 8 }, () => h.worker.worker.register(workerInfo)),
    );
    const claimed: string[] = [];
    for (;;) {
      const round = await Promise.all(
        workers.map((w) => h.worker.worker.claim({ workerId: w.id })),
      );
      const ids = round.flatMap((s) => (s ? [s.runId] : []));
      if (ids.length === 0) break;
      claimed.push(...ids);
    }
    expect(claimed).toHaveLength(12);
    expect(new Set(claimed).size).toBe(12);
  });

  it("a worker that does not hold the run cannot report for it", async () => {
    await h.user.experiment.create({
      ...PRESETS.digits,
      name: "e",
      strategies: [{ kind: "full" }],
    });
    const [a, b] = await Promise.all([
      h.worker.worker.register(workerInfo),
      h.worker.worker.register(workerInfo),
    ]);
    const spec = await h.worker.worker.claim({ workerId: a!.id });
    const error = await trpcErrorOf(
      h.worker.worker.complete({ workerId: b!.id, runId: spec!.runId, metrics }),
    );
    expect(error.code).toBe("CONFLICT");
  });

  it("cancel stops a queued run at once and flags a running one for its worker", async () => {
    const { id } = await h.user.experiment.create({
      ...PRESETS.digits,
      name: "e",
      strategies: [{ kind: "frozen" }, { kind: "full" }],
    });
    const worker = await h.worker.worker.register(workerInfo);
    const spec = await h.worker.worker.claim({ workerId: worker.id });
    const queued = (await h.user.experiment.byId({ experimentId: id })).runs.find(
      (r) => r.id !== spec!.runId,
    )!;
    expect(await h.user.run.cancel({ runId: queued.id })).toEqual({ status: "CANCELED" });
    expect(await h.user.run.cancel({ runId: spec!.runId })).toEqual({ status: "RUNNING" });
    expect(await h.worker.worker.heartbeat({ workerId: worker.id, runId: spec!.runId })).toEqual({
      cancelRequested: true,
    });
    await h.worker.worker.fail({
      workerId: worker.id,
      runId: spec!.runId,
      reason: "canceled by request",
      canceled: true,
    });
    expect((await h.user.run.byId({ runId: spec!.runId })).status).toBe("CANCELED");
  });

  it("each epoch's metric report tells the worker of a pending cancel, without waiting for a heartbeat", async () => {
    await h.user.experiment.create({
      ...PRESETS.digits,
      name: "e",
      strategies: [{ kind: "full" }],
    });
    const worker = await h.worker.worker.register(workerInfo);
    const { runId } = (await h.worker.worker.claim({ workerId: worker.id }))!;
    const epoch = (step: number) => [{ name: "val/accuracy", step, value: step / 10 }];
    expect(
      await h.worker.worker.reportMetrics({
        workerId: worker.id,
        runId,
        points: epoch(1),
        progress: 0.1,
      }),
    ).toEqual({ accepted: 1, cancelRequested: false });
    await h.user.run.cancel({ runId });
    expect(
      await h.worker.worker.reportMetrics({
        workerId: worker.id,
        runId,
        points: epoch(2),
        progress: 0.2,
      }),
    ).toEqual({ accepted: 1, cancelRequested: true });
    // The points sent with the answer are kept: the run's series holds every epoch measured.
    expect(
      (await h.user.run.metrics({ runId }))
        .find((s) => s.name === "val/accuracy")
        ?.points.map((p) => p.step),
    ).toEqual([1, 2]);
  });

  it("a run whose cancel came after training finished still completes SUCCEEDED: its work is done", async () => {
    await h.user.experiment.create({
      ...PRESETS.digits,
      name: "e",
      strategies: [{ kind: "frozen" }],
    });
    const worker = await h.worker.worker.register(workerInfo);
    const { runId } = (await h.worker.worker.claim({ workerId: worker.id }))!;
    await h.user.run.cancel({ runId });
    await h.worker.worker.complete({ workerId: worker.id, runId, metrics });
    const run = await h.user.run.byId({ runId });
    expect(run.status).toBe("SUCCEEDED");
    expect(run.testAccuracy).toBe(metrics.testAccuracy);
  });

  it("a released run goes back to the queue at once and the next claim is a new attempt", async () => {
    await h.user.experiment.create({
      ...PRESETS.digits,
      name: "e",
      strategies: [{ kind: "frozen" }],
    });
    const [a, b] = await Promise.all([
      h.worker.worker.register(workerInfo),
      h.worker.worker.register(workerInfo),
    ]);
    const first = await h.worker.worker.claim({ workerId: a!.id });
    await h.worker.worker.release({
      workerId: a!.id,
      runId: first!.runId,
      reason: "worker shut down; requeued",
    });
    expect((await h.user.run.byId({ runId: first!.runId })).status).toBe("QUEUED");
    expect((await h.user.worker.list()).find((w) => w.id === a!.id)?.currentRunId).toBeNull();
    const second = await h.worker.worker.claim({ workerId: b!.id });
    expect(second).toMatchObject({ runId: first!.runId, attempt: 2 });
    expect(
      (
        await trpcErrorOf(
          h.worker.worker.release({ workerId: a!.id, runId: first!.runId, reason: "late" }),
        )
      ).code,
    ).toBe("CONFLICT");
  });

  it("records each attempt's claim and end as the run's events, naming the worker that held it", async () => {
    await h.user.experiment.create({
      ...PRESETS.digits,
      name: "e",
      strategies: [{ kind: "frozen" }],
    });
    const a = await h.worker.worker.register({
      ...workerInfo,
      name: "worker-a",
      hostname: "host-a",
    });
    const b = await h.worker.worker.register({
      ...workerInfo,
      name: "worker-b",
      hostname: "host-b",
    });
    const { runId } = (await h.worker.worker.claim({ workerId: a.id }))!;
    clock = new Date(clock.getTime() + 1_000);
    await h.worker.worker.release({ workerId: a.id, runId, reason: "worker shut down; requeued" });
    clock = new Date(clock.getTime() + 1_000);
    expect(await h.worker.worker.claim({ workerId: b.id })).toMatchObject({ runId, attempt: 2 });
    clock = new Date(clock.getTime() + 1_000);
    await h.worker.worker.complete({ workerId: b.id, runId, metrics });

    const run = await h.user.run.byId({ runId });
    expect(
      run.events.map((e) => [
        e.kind,
        e.attempt,
        e.worker?.name,
        e.worker?.hostname,
        e.detail,
        e.at,
      ]),
    ).toEqual([
      ["claimed", 1, "worker-a", "host-a", null, "2026-01-01T00:00:00.000Z"],
      [
        "released",
        1,
        "worker-a",
        "host-a",
        "worker shut down; requeued",
        "2026-01-01T00:00:01.000Z",
      ],
      ["claimed", 2, "worker-b", "host-b", null, "2026-01-01T00:00:02.000Z"],
      ["succeeded", 2, "worker-b", "host-b", null, "2026-01-01T00:00:03.000Z"],
    ]);
    // A late call from the worker that gave the run up changes nothing and records nothing.
    await trpcErrorOf(h.worker.worker.release({ workerId: a.id, runId, reason: "late" }));
    expect((await h.user.run.byId({ runId })).events).toHaveLength(4);
    // The activity feed shows what people asked for, not the workers' lifecycle steps.
    expect(
      (await h.user.review.activity({})).filter(
        (item) => item.runId === runId && item.kind !== "finished",
      ),
    ).toEqual([]);
  });

  it("records a lease the sweeper took back with the worker that lost it, and a worker's failure", async () => {
    await h.user.experiment.create({
      ...PRESETS.digits,
      name: "e",
      strategies: [{ kind: "frozen" }],
    });
    const a = await h.worker.worker.register({ ...workerInfo, name: "worker-a" });
    const b = await h.worker.worker.register({ ...workerInfo, name: "worker-b" });
    const { runId } = (await h.worker.worker.claim({ workerId: a.id }))!;
    clock = new Date(clock.getTime() + 11_000);
    expect(await h.services.runs.sweepExpiredLeases()).toEqual({ requeued: 1, failed: 0 });
    await h.worker.worker.claim({ workerId: b.id });
    await h.worker.worker.fail({ workerId: b.id, runId, reason: "out of memory", canceled: false });
    const events = (await h.user.run.byId({ runId })).events;
    expect(events.map((e) => [e.kind, e.attempt, e.worker?.name])).toEqual([
      ["claimed", 1, "worker-a"],
      ["lease_expired", 1, "worker-a"],
      ["claimed", 2, "worker-b"],
      ["failed", 2, "worker-b"],
    ]);
    expect(events[1]!.detail).toMatch(
      /^lease expired on attempt 1 \(worker .+ stopped heartbeating\); requeued$/,
    );
    expect(events[3]!.detail).toBe("out of memory");
  });

  it("the sweeper requeues a run whose lease expired and fails it after maxAttempts", async () => {
    await h.user.experiment.create({
      ...PRESETS.digits,
      name: "e",
      strategies: [{ kind: "frozen" }],
    });
    const worker = await h.worker.worker.register(workerInfo);
    for (let attempt = 1; attempt <= 3; attempt++) {
      const spec = await h.worker.worker.claim({ workerId: worker.id });
      expect(spec?.attempt).toBe(attempt);
      clock = new Date(clock.getTime() + 5_000);
      expect(await h.services.runs.sweepExpiredLeases()).toEqual({ requeued: 0, failed: 0 });
      clock = new Date(clock.getTime() + 6_000);
      const swept = await h.services.runs.sweepExpiredLeases();
      expect(swept).toEqual(attempt < 3 ? { requeued: 1, failed: 0 } : { requeued: 0, failed: 1 });
      const run = await h.user.run.byId({ runId: spec!.runId });
      expect(run.status).toBe(attempt < 3 ? "QUEUED" : "FAILED");
      expect(run.failureReason).toMatch(/lease expired on attempt/);
    }
  });
});
