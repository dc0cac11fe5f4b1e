import type { ReactNode } from "react";
import { diffConfigs, formatScalar } from "@/lib/config-diff";

export interface ConfigColumn {
  key: string;
  header: ReactNode;
  config: unknown;
}

/**
 * Only what differs between configurations, one column each; the settings they all share are
 * folded away underneath, so a reader sees at once what the comparison is actually about.
 */
export function ConfigDiffTable({
  columns,
  caption,
}: {
  columns: readonly ConfigColumn[];
  caption: string;
}) {
  const diff = diffConfigs(columns.map((c) => c.config));
  return (
    <div className="config-diff">
      {diff.differing.length === 0 ? (
        <p className="muted">
          {columns.length < 2
            ? "One configuration: nothing to compare."
            : "No differences: every setting is the same."}
        </p>
      ) : (
        <div className="table-scroll">
          <table className="data-table diff-table">
            <caption>{caption}</caption>
            <thead>
              <tr>
                <th scope="col">Setting</th>
                {columns.map((c) => (
                  <th scope="col" key={c.key}>
                    {c.header}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {diff.differing.map((row) => (
                <tr key={row.path}>
                  <th scope="row">
                    <code>{row.path}</code>
                  </th>
                  {row.values.map((v, i) => (
                    <td key={columns[i]!.key} className={v === undefined ? "muted" : undefined}>
                      {formatScalar(v)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {diff.shared.length > 0 ? (
        <details className="shared-settings">
          <summary>{diff.shared.length} settings shared by all</summary>
          <dl>
            {diff.shared.map((s) => (
              <div key={s.path}>
                <dt>
                  <code>{s.path}</code>
                </dt>
                <dd>{formatScalar(s.value)}</dd>
              </div>
            ))}
          </dl>
        </details>
      ) : null}
    </div>
  );
}
