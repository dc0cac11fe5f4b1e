import type { ComparisonDto } from "@tlab/core/dto";
import { METRIC } from "@tlab/core/run";
import { byStrategyThenSeed } from "@/lib/run-order";
import { runLabel, seedDash, STRATEGY_COLORS } from "@/lib/strategy-style";
import { ChartLegend, LineChart, type LineSeries } from "../line-chart";

const CHARTS: { metric: string; title: string; yLabel: string; yBounds: [number, number] }[] = [
  { metric: METRIC.valAccuracy, title: "Validation accuracy per epoch", yLabel: "accuracy", yBounds: [0, 1] },
  { metric: METRIC.valLoss, title: "Validation loss per epoch", yLabel: "loss", yBounds: [0, Infinity] },
  { metric: METRIC.trainLoss, title: "Training loss per epoch", yLabel: "loss", yBounds: [0, Infinity] },
];

/** One chart per metric, one line per run: colour is the strategy, dash pattern the seed. */
export function ComparisonCharts({ series, seeds }: { series: ComparisonDto["series"]; seeds: number }) {
  const ordered = [...series].sort(byStrategyThenSeed);
  const legend = ordered.map((run) => ({ label: runLabel(run.strategy, run.seed, seeds), color: STRATEGY_COLORS[run.strategy], dash: seedDash(run.seed) }));
  return (
    <>
    <ChartLegend items={legend} label="Runs in the charts" />
    <div className="chart-grid">
      {CHARTS.map((chart) => {
        const lines: LineSeries[] = ordered.map((run) => ({
          label: runLabel(run.strategy, run.seed, seeds),
          color: STRATEGY_COLORS[run.strategy],
          dash: seedDash(run.seed),
          points: run.metrics.find((m) => m.name === chart.metric)?.points ?? [],
        }));
        return (
          <LineChart
            key={chart.metric}
            title={chart.title}
            series={lines}
            yLabel={chart.yLabel}
            yBounds={chart.yBounds}
            legend={false}
            emptyMessage="No epochs finished yet: curves appear as workers report them."
          />
        );
      })}
    </div>
    </>
  );
}
