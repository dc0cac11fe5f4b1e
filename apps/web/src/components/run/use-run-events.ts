"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import type { MetricSeriesDto, RunDetailDto } from "@tlab/core/dto";
import type { RunLogLine } from "@tlab/core/run-log";
import type { RunStreamEvent } from "@tlab/core/table-queries";
import { lastStep, mergePoints } from "@/lib/merge-points";
import { logCursor, mergeLogLines, runLogQueryKey } from "@/lib/run-log-lines";
import { useTRPC } from "@/trpc/react";

/** "live": the event stream is open; "polling": it failed and the page polls instead; "off": the run is finished. */
export type LiveMode = "live" | "connecting" | "polling" | "off";

/**
 * Follows a queued or running run over server-sent events (GET /api/runs/:id/events) and writes
 * what arrives into the react-query cache of run.byId, run.metrics and the run's log, so every component showing
 * them updates. New epochs appear within about half a second of the worker reporting them. When
 * the stream cannot be opened (a proxy that buffers, say) the caller falls back to polling.
 */
export function useRunEvents(runId: string, enabled: boolean): LiveMode {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [mode, setMode] = useState<LiveMode>(enabled ? "connecting" : "off");

  useEffect(() => {
    if (!enabled) {
      setMode("off");
      return;
    }
    if (typeof EventSource === "undefined") {
      setMode("polling");
      return;
    }
    const runKey = trpc.run.byId.queryKey({ runId });
    const metricsKey = trpc.run.metrics.queryKey({ runId });
    const after = lastStep(queryClient.getQueryData<MetricSeriesDto[]>(metricsKey) ?? []);
    const logKey = runLogQueryKey(runId);
    const logAfter = logCursor(queryClient.getQueryData<RunLogLine[]>(logKey));
    const source = new EventSource(
      `/api/runs/${encodeURIComponent(runId)}/events?after=${after}${logAfter ? `&logAfter=${logAfter}` : ""}`,
    );
    setMode("connecting");
    let failures = 0;

    source.onopen = () => {
      failures = 0;
      setMode("live");
    };
    source.addEventListener("metrics", (event) => {
      const data = JSON.parse((event as MessageEvent<string>).data) as Extract<
        RunStreamEvent,
        { type: "metrics" }
      >;
      queryClient.setQueryData<MetricSeriesDto[]>(metricsKey, (old) =>
        mergePoints(old ?? [], data.points),
      );
    });
    source.addEventListener("logs", (event) => {
      const data = JSON.parse((event as MessageEvent<string>).data) as Extract<
        RunStreamEvent,
        { type: "logs" }
      >;
      queryClient.setQueryData<RunLogLine[]>(logKey, (old) => mergeLogLines(old ?? [], data.lines));
    });
    source.addEventListener("run", (event) => {
      const data = JSON.parse((event as MessageEvent<string>).data) as Extract<
        RunStreamEvent,
        { type: "run" }
      >;
      const previous = queryClient.getQueryData<RunDetailDto>(runKey);
      queryClient.setQueryData<RunDetailDto>(runKey, (old) =>
        old ? { ...old, ...data.run } : old,
      );
      // The run's events come only with its detail: refetch it when the row shows a new step
      // (a claim, a release, an outcome) so the timeline names the worker and the time.
      if (
        previous &&
        (previous.attempt !== data.run.attempt || previous.status !== data.run.status)
      ) {
        void queryClient.invalidateQueries({ queryKey: runKey });
      }
      // A new attempt after a retry starts a new series: drop what the old one drew.
      if (previous && previous.attempt !== data.run.attempt && data.run.status === "QUEUED") {
        void queryClient.invalidateQueries({ queryKey: metricsKey });
      }
    });
    source.addEventListener("end", () => {
      source.close();
      setMode("off");
      // Final metrics, artifacts and the complete (server-downsampled) series come with a refetch.
      void queryClient.invalidateQueries({ queryKey: runKey });
      void queryClient.invalidateQueries({ queryKey: metricsKey });
      void queryClient.invalidateQueries({ queryKey: logKey });
    });
    source.onerror = () => {
      failures += 1;
      // The browser retries on its own; after a few failures in a row, poll instead.
      if (source.readyState === EventSource.CLOSED || failures >= 3) {
        source.close();
        setMode("polling");
      }
    };
    return () => source.close();
  }, [runId, enabled, trpc, queryClient]);

  return mode;
}
