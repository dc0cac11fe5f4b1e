/**
 * Rows are the true classes, columns the predicted ones; each cell is shaded by its share of the
 * row, so a strong diagonal reads as good recall whatever the class sizes.
 */
export function ConfusionMatrix({
  matrix,
  classNames,
  caption,
}: {
  matrix: number[][];
  classNames: string[];
  caption: string;
}) {
  return (
    <div className="matrix-scroll">
      <table className="confusion">
        <caption>{caption}</caption>
        <ConfusionHeader classNames={classNames} />
        <tbody>
          {matrix.map((row, i) => {
            const total = row.reduce((a, b) => a + b, 0);
            return (
              <tr key={classNames[i] ?? i}>
                <th scope="row">{classNames[i] ?? i}</th>
                {row.map((count, j) => {
                  const share = total > 0 ? count / total : 0;
                  const diagonal = i === j;
                  return (
                    <td
                      // biome-ignore lint/suspicious/noArrayIndexKey: a fixed grid; the column index is the predicted class.
                      key={j}
                      className={diagonal ? "confusion-diagonal" : undefined}
                      style={{
                        background: `rgba(${diagonal ? "5, 150, 105" : "220, 38, 38"}, ${(share * 0.85).toFixed(3)})`,
                        color: share > 0.55 ? "#fff" : undefined,
                      }}
                      title={`true ${classNames[i] ?? i}, predicted ${classNames[j] ?? j}: ${count} (${(share * 100).toFixed(1)}% of the row)`}
                    >
                      {count}
                    </td>
                  );
                })}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/**
 * B − A in percentage points of each true class. Green where B is better (more on the diagonal,
 * fewer confusions off it), red where it is worse, so the cells to look at stand out.
 */
export function ConfusionDifference({
  diff,
  classNames,
  caption,
  onCellClick,
  selected,
}: {
  diff: number[][];
  classNames: string[];
  caption: string;
  /** When set, each cell is a button that shows the test images behind it. */
  onCellClick?: (label: number, predicted: number) => void;
  selected?: { label: number; predicted: number } | null;
}) {
  const scale = Math.max(0.02, ...diff.flat().map(Math.abs));
  return (
    <div className="matrix-scroll">
      <table className="confusion confusion-diff">
        <caption>{caption}</caption>
        <ConfusionHeader classNames={classNames} />
        <tbody>
          {diff.map((row, i) => (
            <tr key={classNames[i] ?? i}>
              <th scope="row">{classNames[i] ?? i}</th>
              {row.map((d, j) => {
                const better = i === j ? d > 0 : d < 0;
                const strength = Math.min(1, Math.abs(d) / scale) * 0.75;
                const points = d * 100;
                const text =
                  Math.abs(points) < 0.05
                    ? "0"
                    : `${points > 0 ? "+" : "−"}${Math.abs(points).toFixed(1)}`;
                return (
                  <td
                    // biome-ignore lint/suspicious/noArrayIndexKey: a fixed grid; the column index is the predicted class.
                    key={j}
                    style={{
                      background:
                        Math.abs(points) < 0.05
                          ? undefined
                          : `rgba(${better ? "5, 150, 105" : "220, 38, 38"}, ${strength.toFixed(3)})`,
                      color: strength > 0.5 ? "#fff" : undefined,
                    }}
                    title={`true ${classNames[i] ?? i}, predicted ${classNames[j] ?? j}: ${text} percentage points (${better ? "better" : Math.abs(points) < 0.05 ? "same" : "worse"})`}
                    className={
                      selected?.label === i && selected.predicted === j
                        ? "cell-selected"
                        : undefined
                    }
                  >
                    {onCellClick ? (
                      <button
                        type="button"
                        className="cell-button"
                        aria-label={`Show test images of true ${classNames[i] ?? i} predicted ${classNames[j] ?? j} by A or B`}
                        aria-pressed={selected?.label === i && selected.predicted === j}
                        onClick={() => onCellClick(i, j)}
                      >
                        {text}
                      </button>
                    ) : (
                      text
                    )}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Column headers shared by the matrix and the difference table: predicted classes across. */
function ConfusionHeader({ classNames }: { classNames: string[] }) {
  return (
    <thead>
      <tr>
        <th scope="col" className="confusion-corner">
          true ↓ / predicted →
        </th>
        {classNames.map((name) => (
          <th key={name} scope="col">
            {name}
          </th>
        ))}
      </tr>
    </thead>
  );
}
