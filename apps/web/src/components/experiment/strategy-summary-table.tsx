import { formatDuration, formatInteger, formatPercent } from "@/lib/format";
import type { StrategySummary } from "@/lib/strategy-summary";
import { StrategyName } from "../strategy-name";

function accuracyText(s: StrategySummary): string {
  if (s.accuracyMean === null) return "—";
  const mean = formatPercent(s.accuracyMean);
  return s.accuracyStd === null ? mean : `${mean} ± ${(s.accuracyStd * 100).toFixed(1)}`;
}

/** Test accuracy and cost per strategy over its seeds; the most accurate strategy is marked. */
export function StrategySummaryTable({ summaries, seeds, live }: { summaries: StrategySummary[]; seeds: number; live: boolean }) {
  return (
    <div className="table-scroll">
      <table className="data-table summary-table">
        <thead>
          <tr>
            <th scope="col">Strategy</th>
            <th scope="col">Test accuracy{seeds > 1 ? " (mean ± std)" : ""}</th>
            <th scope="col">Finished</th>
            <th scope="col">Trainable parameters</th>
            <th scope="col">Wall time{seeds > 1 ? " (mean)" : ""}</th>
            <th scope="col">Best epoch</th>
          </tr>
        </thead>
        <tbody>
          {summaries.map((s) => (
            <tr key={s.strategy} className={s.isBest ? "best-row" : undefined}>
              <th scope="row">
                <StrategyName strategy={s.strategy} />
              </th>
              <td className="num">
                {accuracyText(s)}
                {s.isBest ? <span className="badge-best">{live ? "best so far" : "best"}</span> : null}
              </td>
              <td className="num">
                {s.succeeded} / {s.runs}
              </td>
              <td className="num">
                {formatInteger(s.trainableParams)}
                {s.trainableParams !== null && s.totalParams ? <span className="muted"> of {formatInteger(s.totalParams)}</span> : null}
              </td>
              <td className="num">{formatDuration(s.wallTimeMeanMs)}</td>
              <td className="num">{s.bestEpochs.length > 0 ? s.bestEpochs.join(", ") : "—"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
