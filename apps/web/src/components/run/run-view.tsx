"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import type { MetricSeriesDto, RunDetailDto } from "@tlab/core/dto";
import { METRIC } from "@tlab/core/run";
import { STRATEGY_LABELS } from "@tlab/core/strategy";
import { useCan } from "@/components/auth/current-user";
import { isActive } from "@/lib/format";
import { useTRPC } from "@/trpc/react";
import { CancelRunButton, RetryRunButton } from "../run-action-buttons";
import { StatusBadge } from "../status-badge";
import { ArtifactsTable } from "./artifacts-table";
import { FinalMetricsSection } from "./final-metrics-section";
import { PromoteRunButton } from "./promote-run-button";
import { PromotedBaseModels } from "./promoted-base-models";
import { RunCurves } from "./run-curves";
import { RunFacts } from "./run-facts";
import { RunLog } from "./run-log";
import { RunTimeline } from "./run-timeline";
import { useRunEvents, type LiveMode } from "./use-run-events";

/** Poll interval when the event stream is unavailable. */
const FALLBACK_POLL_MS = 1000;

const LIVE_TEXT: Record<LiveMode, string> = {
  live: "Live: new epochs appear as the worker reports them",
  connecting: "Connecting to the live stream…",
  polling: "Live stream unavailable: refreshing every second",
  off: "",
};

export function RunView({
  runId,
  initialRun,
  initialMetrics,
}: {
  runId: string;
  initialRun: RunDetailDto;
  initialMetrics: MetricSeriesDto[];
}) {
  const trpc = useTRPC();
  const canLaunch = useCan("member");
  const { data: run } = useQuery(
    trpc.run.byId.queryOptions({ runId }, { initialData: initialRun }),
  );
  const active = isActive(run.status);
  const mode = useRunEvents(runId, active);
  const polling = active && mode === "polling";
  // The stream writes into these caches; they poll only when it is not available.
  useQuery(
    trpc.run.byId.queryOptions({ runId }, { refetchInterval: polling ? FALLBACK_POLL_MS : false }),
  );
  const { data: metrics } = useQuery(
    trpc.run.metrics.queryOptions(
      { runId },
      {
        initialData: initialMetrics,
        refetchInterval: polling ? FALLBACK_POLL_MS : false,
        staleTime: active ? Infinity : 1000,
      },
    ),
  );
  const { data: workers } = useQuery(
    trpc.worker.list.queryOptions(undefined, {
      staleTime: 10_000,
      refetchInterval: active ? 10_000 : false,
    }),
  );
  const worker = workers?.find((w) => w.id === run.workerId) ?? null;
  const title = `${STRATEGY_LABELS[run.strategy]} · seed ${run.seed}`;
  const epochs = metrics.find((m) => m.name === METRIC.valAccuracy)?.points.length ?? 0;

  return (
    <>
      <div className="page-header">
        <div>
          <p className="breadcrumb">
            <Link href="/">Experiments</Link> /{" "}
            <Link href={`/experiments/${run.experimentId}`}>{run.experimentName}</Link> /
          </p>
          <h1>
            {title} <StatusBadge status={run.status} cancelRequested={run.cancelRequested} />
          </h1>
          <p className="subtitle live-line" aria-live="polite">
            {active ? (
              <>
                <span className={`live-dot live-${mode}`} aria-hidden="true" />
                {LIVE_TEXT[mode]}
                {epochs > 0 ? ` · ${epochs} epoch${epochs === 1 ? "" : "s"} so far` : ""}
              </>
            ) : (
              " "
            )}
          </p>
        </div>
        <div className="header-actions">
          {active && !run.cancelRequested ? (
            <CancelRunButton runId={run.id} label={`Cancel ${title}`} />
          ) : null}
          {run.status === "FAILED" || run.status === "CANCELED" ? (
            <RetryRunButton runId={run.id} label={`Retry ${title}`} />
          ) : null}
          {run.status === "SUCCEEDED" ? <PromotedBaseModels runId={run.id} /> : null}
          <PromoteRunButton run={run} />
          {canLaunch ? (
            <Link href={`/experiments/new?cloneRun=${run.id}`} className="button">
              Clone
            </Link>
          ) : null}
        </div>
      </div>
      <div className="run-top">
        <RunFacts run={run} worker={worker} />
        <section aria-labelledby="timeline-heading" className="timeline-box">
          <h2 id="timeline-heading">Status timeline</h2>
          <RunTimeline run={run} worker={worker} />
        </section>
      </div>
      {run.failureReason && (run.status === "FAILED" || run.status === "CANCELED") ? (
        <p
          className={run.status === "FAILED" ? "failure-box" : "notice"}
          role={run.status === "FAILED" ? "alert" : undefined}
        >
          <strong>{run.status === "FAILED" ? "Failed: " : "Note: "}</strong>
          {run.failureReason}
        </p>
      ) : null}
      <section aria-labelledby="curves-heading">
        <h2 id="curves-heading">Learning curves</h2>
        <RunCurves metrics={metrics} strategy={run.strategy} />
      </section>
      <section aria-labelledby="final-heading">
        <h2 id="final-heading">Final metrics</h2>
        {run.finalMetrics ? (
          <FinalMetricsSection metrics={run.finalMetrics} />
        ) : (
          <p className="muted">Final metrics appear when the run succeeds.</p>
        )}
      </section>
      <section aria-labelledby="log-heading">
        <h2 id="log-heading">Log</h2>
        <RunLog runId={run.id} active={active} pollMs={polling ? FALLBACK_POLL_MS : false} />
      </section>
      <section aria-labelledby="artifacts-heading">
        <h2 id="artifacts-heading">Trained model</h2>
        <ArtifactsTable runId={run.id} artifacts={run.artifacts} />
      </section>
    </>
  );
}
