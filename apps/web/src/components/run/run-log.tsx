"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Fragment, useEffect, useLayoutEffect, useRef } from "react";
import { RUN_LOG_MAX_PAGE, type RunLogLine, type RunLogPage } from "@tlab/core/run-log";
import { formatClock } from "@/lib/format";
import { mergeLogLines, runLogQueryKey } from "@/lib/run-log-lines";
import { useTRPCClient } from "@/trpc/react";

/** How close to the bottom (px) still counts as "following" the log. */
const FOLLOW_SLACK_PX = 24;

/**
 * What the workers logged about the run, attempt by attempt. While the run is active the event
 * stream appends new lines to the cache this reads (see use-run-events.ts); `pollMs` is for when
 * that stream is unavailable. The view keeps to the newest line unless the reader scrolled up.
 */
export function RunLog({
  runId,
  active,
  pollMs,
}: {
  runId: string;
  active: boolean;
  pollMs: number | false;
}) {
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const key = runLogQueryKey(runId);
  const { data: lines, error } = useQuery({
    queryKey: key,
    queryFn: async () => {
      const fetched: RunLogLine[] = [];
      let after: RunLogPage["next"] = null;
      do {
        const page: RunLogPage = await client.run.log.query({
          runId,
          after: after ?? undefined,
          limit: RUN_LOG_MAX_PAGE,
        });
        fetched.push(...page.lines);
        after = page.next;
      } while (after);
      // Lines the stream delivered while this was loading are kept.
      return mergeLogLines(queryClient.getQueryData<RunLogLine[]>(key) ?? [], fetched);
    },
    refetchInterval: pollMs,
    staleTime: active ? Infinity : 5_000,
  });

  const box = useRef<HTMLDivElement>(null);
  const following = useRef(true);
  // biome-ignore lint/correctness/useExhaustiveDependencies: new lines are the trigger to scroll to the end.
  useLayoutEffect(() => {
    const el = box.current;
    if (el && following.current) el.scrollTop = el.scrollHeight;
  }, [lines]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: another run starts following its log again.
  useEffect(() => {
    following.current = true;
  }, [runId]);

  const downloadHref = `/api/runs/${encodeURIComponent(runId)}/log`;
  return (
    <>
      <p className="download-line">
        <a href={downloadHref} download>
          Download log
        </a>
        {lines && lines.length > 0 ? ` · ${lines.length} line${lines.length === 1 ? "" : "s"}` : ""}
      </p>
      {error ? (
        <p className="failure-box" role="alert">
          The log could not be loaded: {error.message}
        </p>
      ) : !lines ? (
        <p className="muted">Loading the log…</p>
      ) : lines.length === 0 ? (
        <p className="muted">
          {active
            ? "The worker's log appears here once it starts the run."
            : "No log lines were recorded for this run."}
        </p>
      ) : (
        <div
          ref={box}
          className="run-log"
          role="log"
          aria-label="Run log"
          // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling log must be reachable by keyboard to scroll it.
          tabIndex={0}
          onScroll={(event) => {
            const el = event.currentTarget;
            following.current = el.scrollHeight - el.scrollTop - el.clientHeight <= FOLLOW_SLACK_PX;
          }}
        >
          {lines.map((line, i) => (
            <Fragment key={`${line.attempt}.${line.seq}`}>
              {i === 0 || lines[i - 1]!.attempt !== line.attempt ? (
                <div className="run-log-attempt">Attempt {line.attempt}</div>
              ) : null}
              <div className={`run-log-line run-log-${line.level}`} data-level={line.level}>
                <time dateTime={line.time} title={line.time}>
                  {formatClock(line.time)}
                </time>
                <span className="run-log-level">{line.level}</span>
                <span className="run-log-message">{line.message}</span>
              </div>
            </Fragment>
          ))}
        </div>
      )}
    </>
  );
}
