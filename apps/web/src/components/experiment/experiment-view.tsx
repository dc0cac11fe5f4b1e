"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useMemo } from "react";
import type { ComparisonDto } from "@tlab/core/dto";
import { METRIC, type FinalMetrics } from "@tlab/core/run";
import { STRATEGY_KINDS, type StrategyKind } from "@tlab/core/strategy";
import { isActive } from "@/lib/format";
import type { BandKind } from "@/lib/seed-aggregate";
import { argmaxStep, sumMatrices, summarizeStrategies, testSetSize } from "@/lib/strategy-summary";
import { oneOf, useUrlParams } from "@/lib/use-url-params";
import { LIVE_REFRESH_MS, useTRPC } from "@/trpc/react";
import { ConfigDiffTable } from "../config-diff-table";
import { StrategyName } from "../strategy-name";
import { AccuracyCostChart, COST_AXIS_LABELS, type CostAxis } from "./accuracy-cost-chart";
import { ConfusionCompare, strategyMatrixLabel, type MatrixEntry } from "./confusion-compare";
import { ExperimentHeader } from "./experiment-header";
import { RunsTable } from "./runs-table";
import { BAND_LABELS, SeedBandCharts } from "./seed-band-charts";
import { StrategySummaryTable } from "./strategy-summary-table";
import { Verdict } from "./verdict";

const BANDS = ["std", "minmax", "none"] as const satisfies readonly BandKind[];
const COST_AXES = ["time", "params"] as const satisfies readonly CostAxis[];

/**
 * The experiment page: the verdict, the strategies' summary (best per column), curves with seed
 * bands, accuracy against cost, confusion matrices and their difference, what differs between the
 * strategies' settings, and the runs. One request (experiment.compare), refreshed while any run is
 * queued or running. Chart options live in the URL, so a link shows the same view.
 */
export function ExperimentView({ id, initial }: { id: string; initial: ComparisonDto }) {
  const trpc = useTRPC();
  const { data } = useQuery(
    trpc.experiment.compare.queryOptions(
      { experimentId: id },
      {
        initialData: initial,
        refetchInterval: (query) =>
          query.state.data?.experiment.runs.some((r) => isActive(r.status))
            ? LIVE_REFRESH_MS
            : false,
      },
    ),
  );
  const { experiment, series } = data;
  const [params, setParams] = useUrlParams();
  const band = oneOf(params.get("band"), BANDS, "std");
  const showSeeds = params.get("seeds") === "1";
  const costAxis = oneOf(params.get("cost"), COST_AXES, "time");
  const live = experiment.runs.some((r) => isActive(r.status));

  const finals = useMemo(
    () => new Map<string, FinalMetrics>(Object.entries(data.finalMetrics ?? {})),
    [data.finalMetrics],
  );
  const summaries = useMemo(() => {
    const fallback = new Map<string, number>();
    for (const s of series) {
      const best = argmaxStep(s.metrics.find((m) => m.name === METRIC.valAccuracy)?.points ?? []);
      if (best !== null) fallback.set(s.runId, best);
    }
    return summarizeStrategies(experiment.runs, finals, fallback);
  }, [experiment.runs, series, finals]);

  const matrices: MatrixEntry[] = STRATEGY_KINDS.flatMap((kind) => {
    const metrics = experiment.runs
      .filter((r) => r.strategy === kind)
      .flatMap((r) => finals.get(r.id) ?? []);
    const matrix = sumMatrices(metrics.map((m) => m.confusionMatrix));
    if (!metrics[0] || !matrix) return [];
    return [
      {
        key: kind,
        label: strategyMatrixLabel(kind, metrics.length),
        matrix,
        classNames: metrics[0].classNames,
      },
    ];
  });
  const [cmA, cmB] = (params.get("cm") ?? "").split(",");

  const configs = new Map<StrategyKind, unknown>();
  for (const run of experiment.runs) {
    if (configs.has(run.strategy)) continue;
    configs.set(run.strategy, {
      ...run.config,
      epochs: experiment.epochs,
      batchSize: experiment.batchSize,
      trainPerClass: experiment.trainPerClass,
      validationFraction: experiment.validationFraction,
      testPerClass: experiment.testPerClass,
      training: experiment.training,
    });
  }
  const configColumns = STRATEGY_KINDS.filter((k) => configs.has(k)).map((k) => ({
    key: k,
    header: <StrategyName strategy={k} />,
    config: configs.get(k),
  }));
  const compareHref = `/compare?runs=${experiment.runs.map((r) => r.id).join(",")}&metric=${encodeURIComponent(METRIC.valAccuracy)}`;

  return (
    <>
      <ExperimentHeader experiment={experiment} />
      <Verdict summaries={summaries} live={live} testImages={testSetSize(finals.values())} />

      <section aria-labelledby="summary-heading">
        <h2 id="summary-heading">Strategies compared</h2>
        <StrategySummaryTable summaries={summaries} seeds={experiment.seeds} live={live} />
      </section>

      <section aria-labelledby="curves-heading">
        <div className="section-head">
          <h2 id="curves-heading">Learning curves</h2>
          <div className="toolbar" role="group" aria-label="Curve options">
            <label htmlFor="band">Band across seeds</label>
            <select
              id="band"
              value={band}
              onChange={(e) =>
                setParams({ band: e.target.value === "std" ? null : e.target.value })
              }
              disabled={experiment.seeds < 2}
            >
              {BANDS.map((b) => (
                <option key={b} value={b}>
                  {BAND_LABELS[b]}
                </option>
              ))}
            </select>
            <label className="inline-check">
              <input
                type="checkbox"
                checked={showSeeds}
                disabled={experiment.seeds < 2}
                onChange={(e) => setParams({ seeds: e.target.checked ? "1" : null })}
              />
              Show each seed
            </label>
            <Link href={compareHref} className="button button-small">
              Compare runs one by one
            </Link>
          </div>
        </div>
        {experiment.seeds < 2 ? (
          <p className="muted small">
            One seed per strategy: launch a copy with more seeds to see the spread as a band.
          </p>
        ) : null}
        <SeedBandCharts series={series} band={band} showSeeds={showSeeds} />
      </section>

      <section aria-labelledby="cost-heading">
        <div className="section-head">
          <h2 id="cost-heading">Accuracy against cost</h2>
          <fieldset className="segmented">
            <legend className="visually-hidden">Cost axis</legend>
            {COST_AXES.map((axis) => (
              <label key={axis} className={axis === costAxis ? "segment segment-on" : "segment"}>
                <input
                  type="radio"
                  name="cost-axis"
                  value={axis}
                  checked={axis === costAxis}
                  onChange={() => setParams({ cost: axis === "time" ? null : axis })}
                />
                {COST_AXIS_LABELS[axis]}
              </label>
            ))}
          </fieldset>
        </div>
        <AccuracyCostChart summaries={summaries} axis={costAxis} />
      </section>

      <section aria-labelledby="confusion-heading">
        <h2 id="confusion-heading">Confusion matrices (test set)</h2>
        <ConfusionCompare
          entries={matrices}
          a={cmA ?? ""}
          b={cmB ?? ""}
          onPick={(a, b) => setParams({ cm: `${a},${b}` })}
          note={
            experiment.seeds > 1 ? "Counts of a strategy's finished seeds are summed." : undefined
          }
        />
      </section>

      <section aria-labelledby="config-heading">
        <h2 id="config-heading">What differs between the strategies</h2>
        <ConfigDiffTable
          columns={configColumns}
          caption="Settings that differ between the strategies"
        />
      </section>

      <section aria-labelledby="runs-heading">
        <h2 id="runs-heading">Runs</h2>
        <RunsTable runs={experiment.runs} seeds={experiment.seeds} />
      </section>
    </>
  );
}
