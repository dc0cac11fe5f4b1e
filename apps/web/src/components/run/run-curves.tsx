import type { MetricSeriesDto } from "@tlab/core/dto";
import { METRIC } from "@tlab/core/run";
import type { StrategyKind } from "@tlab/core/strategy";
import { STRATEGY_COLORS } from "@/lib/strategy-style";
import { LineChart, type LineSeries } from "../line-chart";

const TRAIN_COLOR = "#64748b";

function line(
  metrics: MetricSeriesDto[],
  name: string,
  label: string,
  color: string,
  dash?: number[],
): LineSeries {
  return { label, color, dash, points: metrics.find((m) => m.name === name)?.points ?? [] };
}

/** Training (grey) against validation (the strategy's colour) for loss and accuracy. */
export function RunCurves({
  metrics,
  strategy,
}: {
  metrics: MetricSeriesDto[];
  strategy: StrategyKind;
}) {
  const valColor = STRATEGY_COLORS[strategy];
  const empty = "No epochs finished yet.";
  return (
    <div className="chart-grid chart-grid-2">
      <LineChart
        title="Loss per epoch"
        yLabel="loss"
        yBounds={[0, Infinity]}
        series={[
          line(metrics, METRIC.trainLoss, "train loss", TRAIN_COLOR, [6, 4]),
          line(metrics, METRIC.valLoss, "validation loss", valColor),
        ]}
        emptyMessage={empty}
      />
      <LineChart
        title="Accuracy per epoch"
        yLabel="accuracy"
        yBounds={[0, 1]}
        series={[
          line(metrics, METRIC.trainAccuracy, "train accuracy", TRAIN_COLOR, [6, 4]),
          line(metrics, METRIC.valAccuracy, "validation accuracy", valColor),
        ]}
        emptyMessage={empty}
      />
    </div>
  );
}
