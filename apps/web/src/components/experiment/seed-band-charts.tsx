"use client";

import type { ComparisonDto } from "@tlab/core/dto";
import { METRIC } from "@tlab/core/run";
import { STRATEGY_KINDS, STRATEGY_LABELS } from "@tlab/core/strategy";
import { aggregateSeeds, bandEdges, type BandKind } from "@/lib/seed-aggregate";
import { seedDash, STRATEGY_COLORS } from "@/lib/strategy-style";
import { ChartLegend, LineChart, type LineSeries } from "../line-chart";

export const CURVE_CHARTS: {
  metric: string;
  title: string;
  yLabel: string;
  yBounds: [number, number];
}[] = [
  {
    metric: METRIC.valAccuracy,
    title: "Validation accuracy per epoch",
    yLabel: "accuracy",
    yBounds: [0, 1],
  },
  {
    metric: METRIC.valLoss,
    title: "Validation loss per epoch",
    yLabel: "loss",
    yBounds: [0, Infinity],
  },
  {
    metric: METRIC.trainLoss,
    title: "Training loss per epoch",
    yLabel: "loss",
    yBounds: [0, Infinity],
  },
];

export const BAND_LABELS: Record<BandKind, string> = {
  std: "mean ± 1 std",
  minmax: "min – max",
  none: "no band",
};

/**
 * One chart per metric, one line per strategy: the mean over its seeds with a band (± 1 std or
 * min–max across seeds); the individual seeds can be drawn underneath as thin lines.
 */
export function SeedBandCharts({
  series,
  band,
  showSeeds,
}: {
  series: ComparisonDto["series"];
  band: BandKind;
  showSeeds: boolean;
}) {
  const strategies = STRATEGY_KINDS.filter((k) => series.some((s) => s.strategy === k));
  const seedCount = (kind: string) => series.filter((s) => s.strategy === kind).length;
  const legend = strategies.map((kind) => ({
    label: `${STRATEGY_LABELS[kind]}${seedCount(kind) > 1 ? ` (mean of ${seedCount(kind)} seeds${band === "none" ? "" : `, band ${BAND_LABELS[band]}`})` : ""}`,
    color: STRATEGY_COLORS[kind],
  }));
  return (
    <>
      <ChartLegend items={legend} label="Strategies in the charts" />
      <div className="chart-grid">
        {CURVE_CHARTS.map((chart) => {
          const lines: LineSeries[] = strategies.flatMap((kind) => {
            const runs = series.filter((s) => s.strategy === kind).sort((a, b) => a.seed - b.seed);
            const perSeed = runs.map(
              (r) => r.metrics.find((m) => m.name === chart.metric)?.points ?? [],
            );
            const agg = aggregateSeeds(perSeed);
            const color = STRATEGY_COLORS[kind];
            const mean: LineSeries = {
              label: STRATEGY_LABELS[kind],
              color,
              points: agg.map((p) => ({ step: p.step, value: p.mean })),
              band: bandEdges(agg, band),
            };
            const seeds: LineSeries[] =
              showSeeds && runs.length > 1
                ? runs.map((r, i) => ({
                    label: `${STRATEGY_LABELS[kind]} seed ${r.seed}`,
                    color,
                    width: 1,
                    dash: seedDash(r.seed + 1),
                    points: perSeed[i]!,
                    quiet: true,
                  }))
                : [];
            return [...seeds, mean];
          });
          return (
            <LineChart
              key={chart.metric}
              title={chart.title}
              series={lines}
              yLabel={chart.yLabel}
              yBounds={chart.yBounds}
              legend={false}
              readout
              emptyMessage="No epochs finished yet: curves appear as workers report them."
            />
          );
        })}
      </div>
    </>
  );
}
