import type { ReactNode } from "react";
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

/**
 * Test accuracy and cost per strategy over its seeds. Each column marks its best value (highest
 * accuracy and throughput; least time, parameters, memory and epochs to the best checkpoint).
 */
export function StrategySummaryTable({
  summaries,
  seeds,
  live,
}: {
  summaries: StrategySummary[];
  seeds: number;
  live: boolean;
}) {
  const best = bestPerColumn(summaries);
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
