"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import type { ActivityKind } from "@tlab/core/review";
import { formatDateTime } from "@/lib/format";
import { LIVE_REFRESH_MS, useTRPC } from "@/trpc/react";

const VERB: Record<ActivityKind, string> = {
  launched: "launched",
  finished: "run finished",
  failed: "run ended without a result",
  commented: "commented",
  decided: "decided",
  noted: "edited a run note",
  canceled: "asked to cancel a run",
  retried: "retried a run",
};

/** What happened, newest first: per experiment (experimentId) or across all of them. */
export function ActivityFeed({
  experimentId,
  limit = 30,
}: {
  experimentId?: string;
  limit?: number;
}) {
  const trpc = useTRPC();
  const activity = useQuery({
    ...trpc.review.activity.queryOptions({ experimentId, limit }),
    refetchInterval: LIVE_REFRESH_MS * 5,
  });
  return (
    <section className="review-section" aria-labelledby={`activity-${experimentId ?? "all"}`}>
      <h2 id={`activity-${experimentId ?? "all"}`}>Activity</h2>
      {activity.data?.length === 0 ? <p className="muted">Nothing yet.</p> : null}
      <ol className="activity-list">
        {activity.data?.map((item, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: two events of one kind may share a timestamp; the index breaks the tie.
          <li key={`${item.kind}-${item.at}-${i}`} className={`activity activity-${item.kind}`}>
            <span className="muted small nowrap">{formatDateTime(item.at)}</span>{" "}
            {item.actor ? <strong>{item.actor.name} </strong> : null}
            {VERB[item.kind]}
            {experimentId ? null : (
              <>
                {" "}
                in <Link href={`/experiments/${item.experimentId}`}>{item.experimentName}</Link>
              </>
            )}
            {item.runId ? (
              <>
                {" "}
                (<Link href={`/runs/${item.runId}`}>run</Link>)
              </>
            ) : null}
            : <span className="activity-summary">{item.summary}</span>
          </li>
        ))}
      </ol>
    </section>
  );
}
