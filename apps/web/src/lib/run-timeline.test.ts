import { describe, expect, it } from "vitest";
import type { RunDetailDto, WorkerDto } from "@tlab/core/dto";
import { defaultStrategy } from "@tlab/core/strategy";
import { runTimeline } from "./run-timeline";

function run(over: Partial<RunDetailDto>): RunDetailDto {
  return {
    id: "r1",
    experimentId: "e1",
    experimentName: "e",
    strategy: "full",
    config: defaultStrategy("full"),
    seed: 1,
    status: "QUEUED",
    attempt: 0,
    progress: 0,
    workerId: null,
    workerName: null,
    backend: null,
    queuedAt: "2026-01-01T00:00:00.000Z",
    startedAt: null,
    finishedAt: null,
    failureReason: null,
    cancelRequested: false,
    testAccuracy: null,
    trainableParams: null,
    totalParams: null,
    wallTimeMs: null,
    finalMetrics: null,
    artifacts: [],
    ...over,
  };
}

const worker: WorkerDto = { id: "w1", name: "gpu-1", hostname: "box", backend: "tensorflow-gpu", device: "RTX 4090", lastSeenAt: "2026-01-01T00:00:00.000Z", currentRunId: null };

describe("runTimeline", () => {
  it("shows a queued run waiting for a worker", () => {
    expect(runTimeline(run({}), null, null).map((s) => [s.title, s.state])).toEqual([
      ["Queued", "done"],
      ["Waiting for a worker", "current"],
    ]);
  });

  it("names the worker, its host, backend and device, and the attempt after a lost lease", () => {
    const steps = runTimeline(
      run({ status: "RUNNING", attempt: 2, progress: 0.4, workerId: "w1", workerName: "gpu-1", startedAt: "2026-01-01T00:01:00.000Z", failureReason: "lease expired on attempt 1 (worker w0 stopped heartbeating); requeued" }),
      worker,
      Date.parse("2026-01-01T00:01:30.000Z"),
    );
    expect(steps.map((s) => s.title)).toEqual(["Queued", "Back in the queue after attempt 1", "Claimed by gpu-1 (attempt 2)", "Training: 40%"]);
    expect(steps[2]!.detail).toBe("box · tensorflow-gpu · RTX 4090");
    expect(steps[3]!.detail).toBe("30.0 s so far");
  });

  it("leaves out a running attempt's elapsed time while the time is unknown (the server's HTML)", () => {
    const steps = runTimeline(run({ status: "RUNNING", attempt: 1, progress: 0.5, workerName: "gpu-1", startedAt: "2026-01-01T00:01:00.000Z" }), null, null);
    expect(steps.at(-1)).toMatchObject({ title: "Training: 50%", state: "current" });
    expect(steps.at(-1)!.detail).toBeUndefined();
  });

  it("ends with the outcome and its reason; a retried run says why it was queued again", () => {
    const failed = runTimeline(run({ status: "FAILED", attempt: 1, startedAt: "2026-01-01T00:01:00.000Z", finishedAt: "2026-01-01T00:02:00.000Z", failureReason: "out of memory" }), null, null);
    expect(failed.at(-1)).toMatchObject({ title: "Failed", detail: "out of memory", state: "failed" });
    const retried = runTimeline(run({ failureReason: "retried after attempt 1 ended failed: out of memory" }), null, null);
    expect(retried[0]).toMatchObject({ title: "Queued again (retry)", detail: "retried after attempt 1 ended failed: out of memory" });
  });
});
