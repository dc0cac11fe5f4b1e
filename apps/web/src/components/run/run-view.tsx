"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import type { MetricSeriesDto, RunDetailDto } from "@tlab/core/dto";
import { STRATEGY_LABELS } from "@tlab/core/strategy";
import { isActive } from "@/lib/format";
import { LIVE_REFRESH_MS, useTRPC } from "@/trpc/react";
import { CancelRunButton } from "../cancel-run-button";
import { StatusBadge } from "../status-badge";
import { ArtifactsTable } from "./artifacts-table";
import { FinalMetricsSection } from "./final-metrics-section";
import { RunCurves } from "./run-curves";
import { RunFacts } from "./run-facts";

export function RunView({ runId, initialRun, initialMetrics }: { runId: string; initialRun: RunDetailDto; initialMetrics: MetricSeriesDto[] }) {
  const trpc = useTRPC();
  const { data: run } = useQuery(
    trpc.run.byId.queryOptions(
      { runId },
      { initialData: initialRun, refetchInterval: (query) => (query.state.data && isActive(query.state.data.status) ? LIVE_REFRESH_MS : false) },
    ),
  );
  const live = isActive(run.status);
  const { data: metrics } = useQuery(
    trpc.run.metrics.queryOptions({ runId }, { initialData: initialMetrics, refetchInterval: live ? LIVE_REFRESH_MS : false }),
  );
  const title = `${STRATEGY_LABELS[run.strategy]} · seed ${run.seed}`;
  return (
    <>
      <div className="page-header">
        <div>
          <p className="breadcrumb">
            <Link href="/">Experiments</Link> / <Link href={`/experiments/${run.experimentId}`}>{run.experimentName}</Link> /
          </p>
          <h1>
            {title} <StatusBadge status={run.status} cancelRequested={run.cancelRequested} />
          </h1>
        </div>
        {live && !run.cancelRequested ? <CancelRunButton runId={run.id} label={`Cancel ${title}`} /> : null}
      </div>
      <RunFacts run={run} />
      {run.failureReason && run.status !== "SUCCEEDED" ? (
        <p className={run.status === "FAILED" ? "failure-box" : "notice"} role={run.status === "FAILED" ? "alert" : undefined}>
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
        {run.finalMetrics ? <FinalMetricsSection metrics={run.finalMetrics} /> : <p className="muted">Final metrics appear when the run succeeds.</p>}
      </section>
      <section aria-labelledby="artifacts-heading">
        <h2 id="artifacts-heading">Artifacts</h2>
        <ArtifactsTable runId={run.id} artifacts={run.artifacts} />
      </section>
    </>
  );
}
