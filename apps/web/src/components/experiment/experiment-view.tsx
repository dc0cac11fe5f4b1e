"use client";

import { useQueries, useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import type { ComparisonDto } from "@tlab/core/dto";
import { METRIC, type FinalMetrics } from "@tlab/core/run";
import { isActive } from "@/lib/format";
import { argmaxStep, summarizeStrategies } from "@/lib/strategy-summary";
import { LIVE_REFRESH_MS, useTRPC } from "@/trpc/react";
import { ComparisonCharts } from "./comparison-charts";
import { ExperimentHeader } from "./experiment-header";
import { RunsTable } from "./runs-table";
import { StrategyConfusionMatrices } from "./strategy-confusion-matrices";
import { StrategySummaryTable } from "./strategy-summary-table";

/** The experiment page: live while any run is queued or running, then still. */
export function ExperimentView({ id, initial }: { id: string; initial: ComparisonDto }) {
  const trpc = useTRPC();
  const { data } = useQuery(
    trpc.experiment.compare.queryOptions(
      { id },
      {
        initialData: initial,
        refetchInterval: (query) => (query.state.data?.experiment.runs.some((r) => isActive(r.status)) ? LIVE_REFRESH_MS : false),
      },
    ),
  );
  const { experiment, series } = data;

  // Final metrics (best epoch, confusion matrix) come with each run's detail; once a run has
  // them they never change, so each is fetched once (a cached copy from before it finished is not).
  const succeeded = experiment.runs.filter((r) => r.status === "SUCCEEDED");
  const details = useQueries({
    queries: succeeded.map((r) =>
      trpc.run.byId.queryOptions({ runId: r.id }, { staleTime: (query) => (query.state.data?.finalMetrics ? Infinity : 0) }),
    ),
  });
  const finalMetrics = new Map<string, FinalMetrics>();
  details.forEach((q) => {
    if (q.data?.finalMetrics) finalMetrics.set(q.data.id, q.data.finalMetrics);
  });
  const finalMetricsKey = [...finalMetrics.keys()].join(",");

  const summaries = useMemo(() => {
    const bestEpochByRun = new Map<string, number>();
    for (const s of series) {
      const best = finalMetrics.get(s.runId)?.bestEpoch ?? argmaxStep(s.metrics.find((m) => m.name === METRIC.valAccuracy)?.points ?? []);
      if (best !== null) bestEpochByRun.set(s.runId, best);
    }
    return summarizeStrategies(experiment.runs, bestEpochByRun);
    // finalMetrics is a new Map each render; its key says when its content changed.
  }, [experiment.runs, series, finalMetricsKey]);

  return (
    <>
      <ExperimentHeader experiment={experiment} />
      <section aria-labelledby="runs-heading">
        <h2 id="runs-heading">Runs</h2>
        <RunsTable runs={experiment.runs} seeds={experiment.seeds} />
      </section>
      <section aria-labelledby="curves-heading">
        <h2 id="curves-heading">Learning curves</h2>
        <ComparisonCharts series={series} seeds={experiment.seeds} />
      </section>
      <section aria-labelledby="summary-heading">
        <h2 id="summary-heading">Strategies compared</h2>
        <StrategySummaryTable summaries={summaries} seeds={experiment.seeds} live={experiment.runs.some((r) => isActive(r.status))} />
      </section>
      <section aria-labelledby="confusion-heading">
        <h2 id="confusion-heading">Confusion matrices (test set)</h2>
        {experiment.seeds > 1 ? <p className="muted">Counts of all finished seeds of a strategy are summed.</p> : null}
        <StrategyConfusionMatrices runs={experiment.runs} finalMetrics={finalMetrics} />
      </section>
    </>
  );
}
