import type { RunDetailDto, WorkerDto } from "@tlab/core/dto";
import { durationBetween, formatDuration, STATUS_WORDS } from "./format";

export interface TimelineStep {
  key: string;
  title: string;
  time: string | null;
  detail?: string;
  state: "done" | "current" | "pending" | "failed";
}

/**
 * The run's history as far as the database records it: when it was queued (and why again, after
 * a retry or a lost worker), which worker claimed it on which attempt, and how it ended. Earlier
 * attempts are summarised by the reason they ended; the current attempt is shown in full.
 * `now` (epoch ms, or null while unknown) dates a running attempt's elapsed time.
 */
export function runTimeline(run: RunDetailDto, worker: WorkerDto | null, now: number | null): TimelineStep[] {
  const steps: TimelineStep[] = [];
  const reason = run.failureReason;
  const retried = reason?.startsWith("retried") ?? false;
  const requeued = !retried && run.attempt > 0 && reason !== null && /requeued|released/.test(reason) && run.status !== "FAILED";
  steps.push({ key: "queued", title: retried ? "Queued again (retry)" : "Queued", time: run.queuedAt, detail: retried ? reason ?? undefined : undefined, state: "done" });
  if (requeued) {
    steps.push({ key: "requeued", title: `Back in the queue after attempt ${Math.max(1, run.attempt - (run.status === "QUEUED" ? 0 : 1))}`, time: null, detail: reason ?? undefined, state: "done" });
  }
  if (run.status === "QUEUED") {
    steps.push({ key: "wait", title: "Waiting for a worker", time: null, state: "current" });
    return steps;
  }
  if (run.startedAt) {
    const where = worker ? `${worker.hostname} · ${worker.backend} · ${worker.device}` : run.backend ? `backend ${run.backend}` : undefined;
    steps.push({
      key: "claimed",
      title: `Claimed by ${run.workerName ?? "a worker"}${run.attempt > 1 ? ` (attempt ${run.attempt})` : ""}`,
      time: run.startedAt,
      detail: where,
      state: "done",
    });
  }
  if (run.status === "RUNNING") {
    // `now` is null until the page runs in the browser (see useNow): no elapsed time before then.
    const elapsed = run.startedAt && now !== null ? formatDuration(Math.max(0, now - new Date(run.startedAt).getTime())) : null;
    steps.push({
      key: "training",
      title: run.cancelRequested ? "Stopping (cancel requested)" : `Training: ${Math.round(run.progress * 100)}%`,
      time: null,
      detail: elapsed ? `${elapsed} so far` : undefined,
      state: "current",
    });
    return steps;
  }
  const took = formatDuration(durationBetween(run.startedAt, run.finishedAt));
  steps.push({
    key: "finished",
    title: STATUS_WORDS[run.status].replace(/^./, (c) => c.toUpperCase()),
    time: run.finishedAt,
    detail: run.status === "SUCCEEDED" ? (run.startedAt ? `${took} after it was claimed` : undefined) : (reason ?? undefined),
    state: run.status === "SUCCEEDED" ? "done" : "failed",
  });
  return steps;
}

