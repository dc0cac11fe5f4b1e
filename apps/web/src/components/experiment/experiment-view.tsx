"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useMemo, useState } from "react";
import type { ComparisonDto } from "@tlab/core/dto";
import { METRIC, type FinalMetrics } from "@tlab/core/run";
import { STRATEGY_KINDS, STRATEGY_LABELS, type StrategyKind } from "@tlab/core/strategy";
import { isActive } from "@/lib/format";
import type { BandKind } from "@/lib/seed-aggregate";
import { argmaxStep, sumMatrices, summarizeStrategies, testSetSize } from "@/lib/strategy-summary";
import { oneOf, useUrlParams } from "@/lib/use-url-params";
import { LIVE_REFRESH_MS, useTRPC } from "@/trpc/react";
import { ConfigDiffTable } from "../config-diff-table";
import { StrategyName } from "../strategy-name";
import { AccuracyCostChart, COST_AXIS_LABELS, type CostAxis } from "./accuracy-cost-chart";
import {
  ConfusionCompare,
  resolvePair,
  strategyMatrixLabel,
  type MatrixEntry,
} from "./confusion-compare";
import type { GalleryFilter } from "@/lib/prediction-gallery";
import { type GallerySide, PredictionGallery } from "./prediction-gallery";
import { ExperimentHeader } from "./experiment-header";
import { PerClassCompare } from "./per-class-compare";
import { RunsTable } from "./runs-table";
import { BAND_LABELS, SeedBandCharts } from "./seed-band-charts";
import { StrategySummaryTable } from "./strategy-summary-table";
import { TransferCurveCharts } from "./transfer-curve-charts";
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

  const strategyMatrices = STRATEGY_KINDS.flatMap((strategy) => {
    const metrics = experiment.runs
      .filter((r) => r.strategy === strategy)
      .flatMap((r) => finals.get(r.id) ?? []);
    const matrix = sumMatrices(metrics.map((m) => m.confusionMatrix));
    if (!metrics[0] || !matrix) return [];
    return [{ strategy, matrix, classNames: metrics[0].classNames, seeds: metrics.length }];
  });
  const matrices: MatrixEntry[] = strategyMatrices.map((m) => ({
    key: m.strategy,
    label: strategyMatrixLabel(m.strategy, m.seeds),
    matrix: m.matrix,
    classNames: m.classNames,
  }));
  const [cmA, cmB] = (params.get("cm") ?? "").split(",");
  const [galleryFilter, setGalleryFilter] = useState<GalleryFilter | null>(null);
  const pair = resolvePair(matrices, cmA ?? "", cmB ?? "");
  const gallerySide = (entry: MatrixEntry): GallerySide => {
    const kind = STRATEGY_KINDS.find((k) => k === entry.key);
    return {
      label: kind ? STRATEGY_LABELS[kind] : entry.label,
      runsBySeed: new Map(
        experiment.runs
          .filter((r) => r.strategy === entry.key && finals.has(r.id))
          .map((r) => [r.seed, r.id]),
      ),
    };
  };

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
      <Verdict
        summaries={summaries}
        live={live}
        testImages={testSetSize(finals.values())}
        comparisons={data.comparisons ?? []}
      />

      <section aria-labelledby="summary-heading">
        <h2 id="summary-heading">Strategies compared</h2>
        <StrategySummaryTable
          summaries={summaries}
          seeds={experiment.seeds}
          live={live}
          comparisons={data.comparisons ?? []}
        />
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

      {experiment.cutSweep || experiment.trainPerClassLadder ? (
        <section aria-labelledby="transfer-heading">
          <h2 id="transfer-heading">Transfer curves</h2>
          <p className="muted small">
            The verdict, the summary and the learning curves above pool every cut and label budget
            of a strategy; these charts keep them apart.
          </p>
          <TransferCurveCharts runs={experiment.runs} />
        </section>
      ) : null}

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
          onCellClick={(label, predicted) => setGalleryFilter({ kind: "cell", label, predicted })}
          selectedCell={galleryFilter?.kind === "cell" ? galleryFilter : null}
        >
          {pair?.right ? (
            <PredictionGallery
              a={gallerySide(pair.left)}
              b={gallerySide(pair.right)}
              filter={galleryFilter}
              onFilter={setGalleryFilter}
            />
          ) : null}
        </ConfusionCompare>
      </section>

      <section aria-labelledby="per-class-heading">
        <h2 id="per-class-heading">Per class: precision, recall, F1 (%)</h2>
        <PerClassCompare entries={strategyMatrices} />
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
        <RunsTable
          runs={experiment.runs}
          seeds={experiment.seeds}
          variants={{
            sweep: experiment.cutSweep !== null,
            ladder: experiment.trainPerClassLadder !== null,
          }}
        />
      </section>
    </>
  );
}
