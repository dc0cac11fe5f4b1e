import { STRATEGY_LABELS, type StrategyKind } from "@tlab/core/strategy";
import {
  PER_CLASS_METRICS,
  perClassComparison,
  type PerClassMetric,
} from "@/lib/per-class-compare";

const HEADERS: Record<PerClassMetric, string> = { precision: "P", recall: "R", f1: "F1" };

/**
 * Precision, recall and F1 per class, strategies side by side (from each strategy's confusion
 * matrix, summed over its seeds); the best value of each metric in each row is marked.
 */
export function PerClassCompare({
  entries,
}: {
  entries: readonly { strategy: StrategyKind; matrix: number[][]; classNames: string[] }[];
}) {
  const rows = perClassComparison(entries);
  if (rows.length === 0)
    return <p className="muted">Per-class figures appear here when runs succeed.</p>;
  const strategies = rows[0]!.values.map((v) => v.strategy);
  return (
    <div className="table-scroll">
      <table className="data-table per-class-table">
        <caption className="visually-hidden">
          Precision (P), recall (R) and F1 of each class per strategy; the best of each metric in
          each row is marked “best”.
        </caption>
        <thead>
          <tr>
            <th scope="col" rowSpan={2}>
              Class
            </th>
            {strategies.map((s) => (
              <th key={s} scope="colgroup" colSpan={3}>
                {STRATEGY_LABELS[s]}
              </th>
            ))}
          </tr>
          <tr>
            {strategies.flatMap((s) =>
              PER_CLASS_METRICS.map((m) => (
                <th key={`${s}-${m}`} scope="col" className="num">
                  {HEADERS[m]}
                </th>
              )),
            )}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.className}>
              <th scope="row">{row.className}</th>
              {row.values.flatMap((v) =>
                PER_CLASS_METRICS.map((m) => {
                  const best = row.best[m].has(v.strategy);
                  return (
                    <td
                      key={`${v.strategy}-${m}`}
                      className={best ? "num best-cell" : "num"}
                      title={`${STRATEGY_LABELS[v.strategy]}, class ${row.className}: ${HEADERS[m]} ${(v.metrics[m] * 100).toFixed(1)}% (${v.metrics.support} test images)`}
                    >
                      {(v.metrics[m] * 100).toFixed(1)}
                      {best ? <span className="badge-best">best</span> : null}
                    </td>
                  );
                }),
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
