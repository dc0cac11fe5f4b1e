"use client";

import type { RunSummaryDto } from "@tlab/core/dto";
import {
  type CurveLine,
  cutDepthCurves,
  depthLabels,
  describeCrossover,
  frozenCrossovers,
  labelBudgetCurves,
} from "@tlab/core/transfer-curves";
import { runColor } from "@/lib/run-palette";
import { seedDash, STRATEGY_COLORS } from "@/lib/strategy-style";
import { ChartLegend, LineChart, type LineSeries } from "../line-chart";

/** A curve as LineChart draws it: the mean over seeds, with a ± 1 std band where two or more seeds finished. */
function toSeries(line: CurveLine, color: string, dash?: number[]): LineSeries {
  const banded = line.points.filter((p) => p.std !== null);
  return {
    label: line.label,
    color,
    dash,
    points: line.points.map((p) => ({ step: p.x, value: p.mean })),
    band: {
      lower: banded.map((p) => ({ step: p.x, value: p.mean - p.std! })),
      upper: banded.map((p) => ({ step: p.x, value: p.mean + p.std! })),
    },
  };
}

/**
 * The transfer curves of a cut sweep and a label-budget ladder, from the runs' test accuracies:
 * accuracy against weighted base layers trained (one line per budget) and accuracy against labels
 * per class (one line per strategy setting, the frozen extractor's crossings marked and said).
 */
export function TransferCurveCharts({ runs }: { runs: readonly RunSummaryDto[] }) {
  const depthLines = cutDepthCurves(runs);
  const budgetLines = labelBudgetCurves(runs);
  const crossings = frozenCrossovers(budgetLines);
  const depths = depthLabels(runs);
  const budgets = new Set(runs.flatMap((r) => (r.trainPerClass === null ? [] : [r.trainPerClass])));
  const depthSeries = depthLines.map((line, i) => toSeries(line, runColor(i)));
  let partialIndex = 0;
  const budgetSeries: LineSeries[] = budgetLines.map((line) => {
    const kind = line.strategy ?? "partial";
    return toSeries(
      line,
      STRATEGY_COLORS[kind],
      kind === "partial" ? seedDash(++partialIndex) : undefined,
    );
  });
  const crossingSeries: LineSeries[] = crossings.map((c, i) => ({
    label: `crossing ${i + 1}`,
    color: "#111827",
    points: [{ step: c.labelsPerClass, value: c.accuracy }],
  }));
  const finished = runs.filter((r) => r.status === "SUCCEEDED").length;
  return (
    <>
      <p className="muted small">
        Each point is the mean test accuracy over the seeds that finished (band: ± 1 std across
        seeds); {finished} of {runs.length} runs have finished.
      </p>
      <div className="chart-grid chart-grid-2">
        <div>
          <LineChart
            title="Test accuracy against layers trained (cut depth)"
            series={depthSeries}
            xLabel="weighted base layers trained"
            yLabel="test accuracy"
            yBounds={[0, 1]}
            legend={false}
            readout
            emptyMessage="No run has finished yet."
          />
          <ChartLegend items={depthSeries} label="Label budgets in the cut-depth chart" />
          <p className="muted small" data-testid="depth-axis">
            {[...depths.entries()]
              .sort((a, b) => a[0] - b[0])
              .map(([depth, label]) => `${depth}: ${label}`)
              .join(" · ")}
          </p>
        </div>
        <div>
          <LineChart
            title="Test accuracy against labels per class"
            series={[...budgetSeries, ...crossingSeries]}
            xLabel="labels per class"
            yLabel="test accuracy"
            yBounds={[0, 1]}
            legend={false}
            readout
            xLog
            emptyMessage={
              budgets.size < 2
                ? "One label budget: launch with a ladder (e.g. 10, 30, 100) to see this curve."
                : "No run has finished yet."
            }
          />
          <ChartLegend items={budgetSeries} label="Strategies in the label-budget chart" />
          <ul className="crossovers" aria-label="Where the frozen extractor's line crosses">
            {crossings.length > 0 ? (
              crossings.map((c) => (
                <li key={`${c.belowWinner}-${c.aboveWinner}`}>{describeCrossover(c)}.</li>
              ))
            ) : (
              <li className="muted">
                {budgets.size < 2
                  ? "No crossover: one label budget."
                  : "No crossover: the frozen extractor's line does not cross another over the measured budgets."}
              </li>
            )}
          </ul>
        </div>
      </div>
    </>
  );
}
