import { describe, expect, it } from "vitest";
import type { WorkerDto } from "@tlab/core/dto";
import type { RunLifecycleEventDto } from "@tlab/core/review";
import { formatDuration } from "./format";
import { runTimeline } from "./run-timeline";
import { runDetailFixture } from "./test-fixtures";

const run = runDetailFixture;

const worker: WorkerDto = {
  id: "w1",
  name: "gpu-1",
  hostname: "box",
  backend: "tensorflow-gpu",
  device: "RTX 4090",
  lastSeenAt: "2026-01-01T00:00:00.000Z",
  currentRunId: null,
};

describe("runTimeline of a run from before its events were recorded", () => {
  it("shows a queued run waiting for a worker", () => {
    expect(runTimeline(run({}), null, null).map((s) => [s.title, s.state])).toEqual([
      ["Queued", "done"],
      ["Waiting for a worker", "current"],
    ]);
  });

  it("names the worker, its host, backend and device, and the attempt after a lost lease", () => {
    const steps = runTimeline(
      run({
        status: "RUNNING",
        attempt: 2,
        progress: 0.4,
        workerId: "w1",
        workerName: "gpu-1",
        startedAt: "2026-01-01T00:01:00.000Z",
        failureReason: "lease expired on attempt 1 (worker w0 stopped heartbeating); requeued",
      }),
      worker,
      Date.parse("2026-01-01T00:01:30.000Z"),
    );
    expect(steps.map((s) => s.title)).toEqual([
      "Queued",
      "Back in the queue after attempt 1",
      "Claimed by gpu-1 (attempt 2)",
      "Training: 40%",
    ]);
    expect(steps[2]!.detail).toBe("box · tensorflow-gpu · RTX 4090");
    expect(steps[3]!.detail).toBe("30.0 s so far");
  });

  it("leaves out a running attempt's elapsed time while the time is unknown (the server's HTML)", () => {
    const steps = runTimeline(
      run({
        status: "RUNNING",
        attempt: 1,
        progress: 0.5,
        workerName: "gpu-1",
        startedAt: "2026-01-01T00:01:00.000Z",
      }),
      null,
      null,
    );
    expect(steps.at(-1)).toMatchObject({ title: "Training: 50%", state: "current" });
    expect(steps.at(-1)!.detail).toBeUndefined();
  });

  it("ends with the outcome and its reason; a retried run says why it was queued again", () => {
    const failed = runTimeline(
      run({
        status: "FAILED",
        attempt: 1,
        startedAt: "2026-01-01T00:01:00.000Z",
        finishedAt: "2026-01-01T00:02:00.000Z",
        failureReason: "out of memory",
      }),
      null,
      null,
    );
    expect(failed.at(-1)).toMatchObject({
      title: "Failed",
      detail: "out of memory",
      state: "failed",
    });
    const retried = runTimeline(
      run({ failureReason: "retried after attempt 1 ended failed: out of memory" }),
      null,
      null,
    );
    expect(retried[0]).toMatchObject({
      title: "Queued again (retry)",
      detail: "retried after attempt 1 ended failed: out of memory",
    });
  });
});

const workerA = { id: "w0", name: "sim-a", hostname: "host-a" };
const workerB = { id: "w1", name: "gpu-1", hostname: "box" };

function event(
  kind: RunLifecycleEventDto["kind"],
  attempt: number,
  at: string,
  over: Partial<RunLifecycleEventDto> = {},
): RunLifecycleEventDto {
  return {
    kind,
    attempt,
    at: `2026-01-01T00:${at}.000Z`,
    worker: null,
    actor: null,
    detail: null,
    ...over,
  };
}

describe("runTimeline from the run's events", () => {
  it("shows each attempt with its worker, start and how it ended, then the current one in full", () => {
    const steps = runTimeline(
      run({
        status: "RUNNING",
        attempt: 3,
        progress: 0.4,
        workerId: "w1",
        workerName: "gpu-1",
        startedAt: "2026-01-01T00:05:00.000Z",
        failureReason: "lease expired on attempt 2 (worker w0 stopped heartbeating); requeued",
        events: [
          event("claimed", 1, "01:00", { worker: workerA }),
          event("released", 1, "02:00", { worker: workerA, detail: "worker shut down; requeued" }),
          event("claimed", 2, "03:00", { worker: workerA }),
          event("lease_expired", 2, "04:30", {
            worker: workerA,
            detail: "lease expired on attempt 2 (worker w0 stopped heartbeating); requeued",
          }),
          event("claimed", 3, "05:00", { worker: workerB }),
        ],
      }),
      worker,
      Date.parse("2026-01-01T00:05:30.000Z"),
    );
    expect(steps.map((s) => [s.title, s.time, s.state])).toEqual([
      ["Queued", "2026-01-01T00:00:00.000Z", "done"],
      ["Claimed by sim-a", "2026-01-01T00:01:00.000Z", "done"],
      ["Released by sim-a (attempt 1)", "2026-01-01T00:02:00.000Z", "done"],
      ["Claimed by sim-a (attempt 2)", "2026-01-01T00:03:00.000Z", "done"],
      ["Lease expired: sim-a (attempt 2)", "2026-01-01T00:04:30.000Z", "failed"],
      ["Claimed by gpu-1 (attempt 3)", "2026-01-01T00:05:00.000Z", "done"],
      ["Training: 40%", null, "current"],
    ]);
    // An earlier worker is named with its host; the one the page knows in full, with backend and device.
    expect(steps.map((s) => s.detail)).toEqual([
      undefined,
      "host-a",
      "worker shut down; requeued",
      "host-a",
      "lease expired on attempt 2 (worker w0 stopped heartbeating); requeued",
      "box · tensorflow-gpu · RTX 4090",
      "30.0 s so far",
    ]);
  });

  it("ends with the recorded outcome, timed from its attempt's claim", () => {
    const steps = runTimeline(
      run({
        status: "SUCCEEDED",
        attempt: 2,
        startedAt: "2026-01-01T00:03:00.000Z",
        finishedAt: "2026-01-01T00:04:00.000Z",
        events: [
          event("claimed", 1, "01:00", { worker: workerA }),
          event("released", 1, "02:00", { worker: workerA, detail: "worker shut down; requeued" }),
          event("claimed", 2, "03:00", { worker: workerB }),
          event("succeeded", 2, "04:00", { worker: workerB }),
        ],
      }),
      null,
      null,
    );
    expect(steps.at(-1)).toEqual({
      key: "succeeded-2-3",
      title: "Succeeded",
      time: "2026-01-01T00:04:00.000Z",
      detail: `${formatDuration(60_000)} after it was claimed`,
      state: "done",
    });
    expect(steps.filter((s) => /succeeded/i.test(`${s.title} ${s.detail ?? ""}`))).toHaveLength(1);
  });

  it("shows a retry and a cancel with who asked, and an end the sweeper decided from the run row", () => {
    const member = { id: "u1", name: "Mia", email: "mia@example.test" };
    const steps = runTimeline(
      run({
        status: "FAILED",
        attempt: 2,
        queuedAt: "2026-01-01T00:02:30.000Z",
        startedAt: "2026-01-01T00:03:00.000Z",
        finishedAt: "2026-01-01T00:04:00.000Z",
        failureReason: "lease expired on attempt 2 of 2 (worker w1 stopped heartbeating)",
        events: [
          event("claimed", 1, "01:00", { worker: workerA }),
          event("cancel_requested", 1, "01:30", { actor: member }),
          event("canceled", 1, "02:00", { worker: workerA, detail: "canceled by request" }),
          event("retried", 2, "02:30", { actor: member }),
          event("claimed", 2, "03:00", { worker: workerB }),
          event("lease_expired", 2, "04:00", {
            worker: workerB,
            detail: "lease expired on attempt 2 of 2 (worker w1 stopped heartbeating)",
          }),
        ],
      }),
      null,
      null,
    );
    expect(steps.map((s) => [s.title, s.detail])).toEqual([
      ["Queued", undefined],
      ["Claimed by sim-a", "host-a"],
      ["Cancel requested by Mia", undefined],
      ["Canceled", "canceled by request"],
      ["Queued again (retry) by Mia", "attempt 2 next"],
      ["Claimed by gpu-1 (attempt 2)", "box"],
      [
        "Lease expired: gpu-1 (attempt 2)",
        "lease expired on attempt 2 of 2 (worker w1 stopped heartbeating)",
      ],
      // The reason is the lease's, already shown: the end says only what the run became.
      ["Failed", undefined],
    ]);
    // The retry moved queuedAt: the first queueing has no time of its own.
    expect(steps[0]!.time).toBeNull();
  });

  it("adds the current attempt from the run row while its claim is not among the events yet", () => {
    const steps = runTimeline(
      run({
        status: "RUNNING",
        attempt: 2,
        progress: 0.1,
        workerName: "gpu-1",
        startedAt: "2026-01-01T00:03:00.000Z",
        events: [
          event("claimed", 1, "01:00", { worker: workerA }),
          event("released", 1, "02:00", { worker: workerA, detail: "worker shut down; requeued" }),
        ],
      }),
      null,
      null,
    );
    expect(steps.slice(-2).map((s) => s.title)).toEqual([
      "Claimed by gpu-1 (attempt 2)",
      "Training: 10%",
    ]);
  });
});
