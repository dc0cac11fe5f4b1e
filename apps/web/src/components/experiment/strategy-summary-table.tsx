import type { ReactNode } from "react";
import { formatPValue } from "@tlab/core/comparison-text";
import { STRATEGY_LABELS } from "@tlab/core/strategy";
import type { StrategyComparison } from "@tlab/core/strategy-comparisons";
import { formatBytes, formatDuration, formatInteger, formatPercent } from "@/lib/format";
import {
  bestPerColumn,
  type SeedStat,
  type StrategySummary,
  type SummaryColumn,
} from "@/lib/strategy-summary";
import { StrategyName } from "../strategy-name";

function withStd(
  stat: SeedStat,
  format: (v: number) => string,
  stdFormat: (v: number) => string = format,
): string {
  if (stat.mean === null) return "—";
  return stat.std === null ? format(stat.mean) : `${format(stat.mean)} ± ${stdFormat(stat.std)}`;
}

function Cell({ best, children, live }: { best: boolean; children: ReactNode; live: boolean }) {
  return (
    <td className={best ? "num best-cell" : "num"}>
      {children}
      {best ? <span className="badge-best">{live ? "best so far" : "best"}</span> : null}
    </td>
  );
}

const signedPoints = (x: number) => `${x >= 0 ? "+" : "−"}${Math.abs(x * 100).toFixed(1)}`;

/** "+2.1 points (95% CI +0.8 to +3.4), p = 0.01" for b against a, or why there is none. */
function DifferenceCell({ comparison }: { comparison: StrategyComparison | undefined }) {
  if (!comparison) return <td className="num">—</td>;
  const { meanDifference, ci95, pValue } = comparison;
  if (meanDifference === null || ci95 === null || pValue === null)
    return (
      <td className="num" title={comparison.note}>
        {meanDifference === null ? "—" : `${signedPoints(meanDifference)} points`}
        <span className="muted cell-sub">not tested</span>
      </td>
    );
  return (
    <td className="num">
      {signedPoints(meanDifference)} points
      <span className="muted cell-sub">
        95% CI {signedPoints(ci95[0])} to {signedPoints(ci95[1])}, {formatPValue(pValue)}
      </span>
    </td>
  );
}

/**
 * Test accuracy and cost per strategy over its seeds. Each column marks its best value (highest
 * accuracy and throughput; least time, parameters, memory and epochs to the best checkpoint).
 * With the server's pairwise tests, each strategy's difference from the first one (the cheapest
 * in the order frozen, partial, full) with its 95% interval and p.
 */
export function StrategySummaryTable({
  summaries,
  seeds,
  live,
  comparisons = [],
}: {
  summaries: StrategySummary[];
  seeds: number;
  live: boolean;
  comparisons?: readonly StrategyComparison[];
}) {
  const best = bestPerColumn(summaries);
  const reference = comparisons[0]?.a;
  const against = (s: StrategySummary) =>
    comparisons.find((c) => c.a === reference && c.b === s.strategy);
  const is = (column: SummaryColumn, s: StrategySummary) => best[column].has(s.strategy);
  const multi = seeds > 1;
  return (
    <div className="table-scroll">
      <table className="data-table summary-table">
        <caption className="visually-hidden">
          Strategies compared; the best value of each column is marked “best”.
        </caption>
        <thead>
          <tr>
            <th scope="col">Strategy</th>
            <th scope="col">Test accuracy{multi ? " (mean ± std)" : ""}</th>
            {reference ? <th scope="col">Against {STRATEGY_LABELS[reference]}</th> : null}
            <th scope="col">Best epoch{multi ? " (mean)" : ""}</th>
            <th scope="col">Wall time{multi ? " (mean)" : ""}</th>
            <th scope="col">Images/s</th>
            <th scope="col">Trainable parameters</th>
            <th
              scope="col"
              title="Most tensor memory the run held at once: base weights, data or features, head, optimizer state and a training step’s activations (not the worker process’s size)"
            >
              Peak tensor memory
            </th>
            <th scope="col">Finished</th>
          </tr>
        </thead>
        <tbody>
          {summaries.map((s) => (
            <tr key={s.strategy} className={s.isBest ? "best-row" : undefined}>
              <th scope="row">
                <StrategyName strategy={s.strategy} />
              </th>
              <Cell best={is("accuracy", s)} live={live}>
                {withStd(
                  s.accuracy,
                  (v) => formatPercent(v),
                  (v) => (v * 100).toFixed(1),
                )}
              </Cell>
              {reference ? (
                s.strategy === reference ? (
                  <td className="num muted">reference</td>
                ) : (
                  <DifferenceCell comparison={against(s)} />
                )
              ) : null}
              <Cell best={is("bestEpoch", s)} live={live}>
                {s.bestEpoch.mean === null
                  ? "—"
                  : multi
                    ? `${s.bestEpoch.mean.toFixed(1)}`
                    : String(s.bestEpoch.mean)}
                {multi && s.bestEpochs.length > 0 ? (
                  <span className="muted"> ({s.bestEpochs.join(", ")})</span>
                ) : null}
              </Cell>
              <Cell best={is("wallTimeMs", s)} live={live}>
                {formatDuration(s.wallTimeMs.mean)}
              </Cell>
              <Cell best={is("imagesPerSec", s)} live={live}>
                {formatInteger(s.imagesPerSec.mean)}
              </Cell>
              <Cell best={is("trainableParams", s)} live={live}>
                {formatInteger(s.trainableParams)}
                {s.trainableParams !== null && s.totalParams ? (
                  <span className="muted cell-sub">of {formatInteger(s.totalParams)}</span>
                ) : null}
              </Cell>
              <Cell best={is("peakMemoryBytes", s)} live={live}>
                {formatBytes(s.peakMemoryBytes.mean)}
              </Cell>
              <td className="num">
                {s.succeeded} / {s.runs}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
