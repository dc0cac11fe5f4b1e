"use client";

import type { RunDetailDto, WorkerDto } from "@tlab/core/dto";
import { formatTimestamp } from "@/lib/format";
import { runTimeline } from "@/lib/run-timeline";
import { useNow } from "@/lib/use-now";

export function RunTimeline({ run, worker }: { run: RunDetailDto; worker: WorkerDto | null }) {
  const now = useNow(run.status === "RUNNING");
  return (
    <ol className="timeline" aria-label="Status timeline">
      {runTimeline(run, worker, now).map((step) => (
        <li key={step.key} className={`timeline-step timeline-${step.state}`}>
          <span className="timeline-dot" aria-hidden="true" />
          <div>
            <div className="timeline-title">
              {step.title}
              {step.state === "current" ? <span className="visually-hidden"> (now)</span> : null}
            </div>
            {step.time ? <div className="timeline-time">{formatTimestamp(step.time)}</div> : null}
            {step.detail ? <div className="timeline-detail">{step.detail}</div> : null}
          </div>
        </li>
      ))}
    </ol>
  );
}
