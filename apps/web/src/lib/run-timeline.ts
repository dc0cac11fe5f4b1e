import type { RunDetailDto, WorkerDto } from "@tlab/core/dto";
import type { RunLifecycleEventDto } from "@tlab/core/review";
import { durationBetween, formatDuration, STATUS_WORDS } from "./format";

export interface TimelineStep {
  key: string;
  title: string;
  time: string | null;
  detail?: string;
  state: "done" | "current" | "pending" | "failed";
}

/**
 * The run's history: when it was queued, each attempt with the worker that claimed it and how it
 * ended (released, lease expired, failed, canceled, succeeded), the cancels and retries people
 * asked for, and where it is now. Built from the run's recorded events; a run from before they were
 * recorded falls back to its row. `now` (epoch ms, or null while unknown) dates a running
 * attempt's elapsed time.
 */
export function runTimeline(
  run: RunDetailDto,
  worker: WorkerDto | null,
  now: number | null,
): TimelineStep[] {
  if (!run.events.some((e) => e.kind === "claimed")) return timelineFromRunRow(run, worker, now);
  const steps: TimelineStep[] = [];
  // A retry moves queuedAt to the retry, so the first queueing is dated only when there was none.
  const retried = run.events.some((e) => e.kind === "retried");
  steps.push({
    key: "queued",
    title: "Queued",
    time: retried ? null : run.queuedAt,
    state: "done",
  });
  const firstClaimed = run.events.find((e) => e.kind === "claimed")!.attempt;
  if (firstClaimed > 1) {
    const earlier = firstClaimed === 2 ? "Attempt 1" : `Attempts 1–${firstClaimed - 1}`;
    steps.push({ key: "unrecorded", title: `${earlier}: not recorded`, time: null, state: "done" });
  }
  const claims = new Map<number, RunLifecycleEventDto>();
  run.events.forEach((event, i) => {
    const key = `${event.kind}-${event.attempt}-${i}`;
    const held = attemptLabel(event);
    switch (event.kind) {
      case "claimed":
        claims.set(event.attempt, event);
        steps.push({
          key,
          title: `Claimed by ${event.worker?.name ?? "a worker"}${event.attempt > 1 ? ` (attempt ${event.attempt})` : ""}`,
          time: event.at,
          detail: where(event, worker),
          state: "done",
        });
        break;
      case "released":
        steps.push({
          key,
          title: `Released by ${held}`,
          time: event.at,
          detail: event.detail ?? undefined,
          state: "done",
        });
        break;
      case "lease_expired":
        steps.push({
          key,
          title: `Lease expired: ${held}`,
          time: event.at,
          detail: event.detail ?? undefined,
          state: "failed",
        });
        break;
      case "succeeded": {
        const claimed = claims.get(event.attempt);
        const took = claimed
          ? `${formatDuration(durationBetween(claimed.at, event.at))} after it was claimed`
          : undefined;
        steps.push({ key, title: "Succeeded", time: event.at, detail: took, state: "done" });
        break;
      }
      case "failed":
      case "canceled":
        steps.push({
          key,
          title: event.kind === "failed" ? "Failed" : "Canceled",
          time: event.at,
          detail: event.detail ?? undefined,
          state: "failed",
        });
        break;
      case "cancel_requested":
        steps.push({
          key,
          title: `Cancel requested${event.actor ? ` by ${event.actor.name}` : ""}`,
          time: event.at,
          state: "done",
        });
        break;
      case "retried":
        steps.push({
          key,
          title: `Queued again (retry)${event.actor ? ` by ${event.actor.name}` : ""}`,
          time: event.at,
          detail: `attempt ${event.attempt} next`,
          state: "done",
        });
        break;
    }
  });
  const last = run.events.at(-1)!;
  // Where the run is now, from its row: the events end with the last change recorded, and the live
  // page updates the row between refetches, so a claim or an outcome may not be among them yet.
  if (run.status === "QUEUED") {
    steps.push({ key: "wait", title: "Waiting for a worker", time: null, state: "current" });
    return steps;
  }
  if (run.status === "RUNNING") {
    if (!claims.has(run.attempt) && run.startedAt) {
      steps.push({
        key: "claimed-now",
        title: `Claimed by ${run.workerName ?? "a worker"}${run.attempt > 1 ? ` (attempt ${run.attempt})` : ""}`,
        time: run.startedAt,
        state: "done",
      });
    }
    steps.push(trainingStep(run, now));
    return steps;
  }
  // A terminal run whose end is not an event: the sweeper gave up after a lost lease, a queued run
  // was canceled, or the outcome came after the events were read.
  const terminal = last.kind === "succeeded" || last.kind === "failed" || last.kind === "canceled";
  if (!terminal) {
    const reason =
      run.failureReason && run.failureReason !== last.detail ? run.failureReason : undefined;
    steps.push({
      key: "finished",
      title: STATUS_WORDS[run.status].replace(/^./, (c) => c.toUpperCase()),
      time: run.finishedAt,
      detail: run.status === "SUCCEEDED" ? undefined : reason,
      state: run.status === "SUCCEEDED" ? "done" : "failed",
    });
  }
  return steps;
}

/** "worker-a's attempt 2", naming the worker that held the attempt. */
function attemptLabel(event: RunLifecycleEventDto): string {
  return `${event.worker?.name ?? "a worker"} (attempt ${event.attempt})`;
}

/** The host the attempt ran on; for the worker the page knows in full, its backend and device too. */
function where(event: RunLifecycleEventDto, worker: WorkerDto | null): string | undefined {
  if (worker && event.worker?.id === worker.id)
    return `${worker.hostname} · ${worker.backend} · ${worker.device}`;
  return event.worker?.hostname;
}

/**
 * A run from before its events were recorded: rebuilt from the run row alone, so earlier
 * attempts are summarised by the reason they ended and the current attempt is shown in full.
 */
function timelineFromRunRow(
  run: RunDetailDto,
  worker: WorkerDto | null,
  now: number | null,
): TimelineStep[] {
  const steps: TimelineStep[] = [];
  const reason = run.failureReason;
  const retried = reason?.startsWith("retried") ?? false;
  const requeued =
    !retried &&
    run.attempt > 0 &&
    reason !== null &&
    /requeued|released/.test(reason) &&
    run.status !== "FAILED";
  steps.push({
    key: "queued",
    title: retried ? "Queued again (retry)" : "Queued",
    time: run.queuedAt,
    detail: retried ? (reason ?? undefined) : undefined,
    state: "done",
  });
  if (requeued) {
    steps.push({
      key: "requeued",
      title: `Back in the queue after attempt ${Math.max(1, run.attempt - (run.status === "QUEUED" ? 0 : 1))}`,
      time: null,
      detail: reason ?? undefined,
      state: "done",
    });
  }
  if (run.status === "QUEUED") {
    steps.push({ key: "wait", title: "Waiting for a worker", time: null, state: "current" });
    return steps;
  }
  if (run.startedAt) {
    const where = worker
      ? `${worker.hostname} · ${worker.backend} · ${worker.device}`
      : run.backend
        ? `backend ${run.backend}`
        : undefined;
    steps.push({
      key: "claimed",
      title: `Claimed by ${run.workerName ?? "a worker"}${run.attempt > 1 ? ` (attempt ${run.attempt})` : ""}`,
      time: run.startedAt,
      detail: where,
      state: "done",
    });
  }
  if (run.status === "RUNNING") {
    steps.push(trainingStep(run, now));
    return steps;
  }
  const took = formatDuration(durationBetween(run.startedAt, run.finishedAt));
  steps.push({
    key: "finished",
    title: STATUS_WORDS[run.status].replace(/^./, (c) => c.toUpperCase()),
    time: run.finishedAt,
    detail:
      run.status === "SUCCEEDED"
        ? run.startedAt
          ? `${took} after it was claimed`
          : undefined
        : (reason ?? undefined),
    state: run.status === "SUCCEEDED" ? "done" : "failed",
  });
  return steps;
}

/** The running attempt's current step. `now` is null until the page runs in the browser (see useNow): no elapsed time before then. */
function trainingStep(run: RunDetailDto, now: number | null): TimelineStep {
  const elapsed =
    run.startedAt && now !== null
      ? formatDuration(Math.max(0, now - new Date(run.startedAt).getTime()))
      : null;
  return {
    key: "training",
    title: run.cancelRequested
      ? "Stopping (cancel requested)"
      : `Training: ${Math.round(run.progress * 100)}%`,
    time: null,
    detail: elapsed ? `${elapsed} so far` : undefined,
    state: "current",
  };
}
