import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PRESETS } from "@tlab/core/presets";
import { METRIC } from "@tlab/core/run";
import { createApiHarness, finalMetricsFixture, workerInfoFixture } from "./testing/api-harness";

type Harness = Awaited<ReturnType<typeof createApiHarness>>;
let h: Harness;
beforeEach(async () => {
  h = await createApiHarness();
});
afterEach(async () => h.cleanup());

const epochSeconds = (step: number, seconds: number) => [
  { name: METRIC.epochSeconds, step, value: seconds },
];

describe("a run that succeeds on its second attempt", () => {
  it("counts the training time of both attempts, keeps API waiting apart, and keeps the first attempt's reason in its timeline only", async () => {
    await h.user.experiment.create({
      ...PRESETS.digits,
      name: "retried",
      strategies: [PRESETS.digits.strategies[0]!],
      epochs: 4,
    });
    const { id: workerId } = await h.worker.worker.register(workerInfoFixture);
    const first = (await h.worker.worker.claim({ workerId }))!;
    // Attempt 1 trains epochs 1 and 2 (checkpointed), part of 3, then its worker shuts down.
    await h.worker.worker.reportMetrics({
      workerId,
      runId: first.runId,
      points: [...epochSeconds(1, 2.5), ...epochSeconds(2, 3.5)],
    });
    await h.worker.worker.release({
      workerId,
      runId: first.runId,
      reason: "worker shut down; requeued",
    });

    const second = (await h.worker.worker.claim({ workerId }))!;
    expect(second).toMatchObject({ runId: first.runId, attempt: 2 });
    await h.worker.worker.reportMetrics({
      workerId,
      runId: first.runId,
      points: [...epochSeconds(3, 4), ...epochSeconds(4, 4)],
    });
    // Attempt 2 resumed from epoch 2's checkpoint: 9 s of its own training (epochs 3-4 and the
    // test evaluation), and 2 minutes waiting through an API outage, already taken out by the worker.
    await h.worker.worker.complete({
      workerId,
      runId: first.runId,
      metrics: finalMetricsFixture({ wallTimeMs: 9_000, apiWaitMs: 120_000, resumedFromEpoch: 2 }),
    });

    const run = await h.viewer.run.byId({ runId: first.runId });
    expect(run.status).toBe("SUCCEEDED");
    expect(run.wallTimeMs).toBe(9_000 + 6_000);
    expect(run.finalMetrics).toMatchObject({ wallTimeMs: 15_000, apiWaitMs: 120_000 });
    expect(run.failureReason).toBeNull();
    expect(
      run.events.filter((event) => event.kind === "released").map((event) => event.detail),
    ).toEqual(["worker shut down; requeued"]);
  });

  it("a run trained from the start in one attempt reports its own time", async () => {
    await h.user.experiment.create({
      ...PRESETS.digits,
      name: "once",
      strategies: [PRESETS.digits.strategies[0]!],
      epochs: 2,
    });
    const { id: workerId } = await h.worker.worker.register(workerInfoFixture);
    const { runId } = (await h.worker.worker.claim({ workerId }))!;
    await h.worker.worker.reportMetrics({
      workerId,
      runId,
      points: [...epochSeconds(1, 2), ...epochSeconds(2, 2)],
    });
    await h.worker.worker.complete({
      workerId,
      runId,
      metrics: finalMetricsFixture({ wallTimeMs: 4_500, resumedFromEpoch: 0 }),
    });
    expect((await h.viewer.run.byId({ runId })).wallTimeMs).toBe(4_500);
  });
});
