/**
 * Rows are the true classes, columns the predicted ones; each cell is shaded by its share of the
 * row, so a strong diagonal reads as good recall whatever the class sizes.
 */
export function ConfusionMatrix({ matrix, classNames, caption }: { matrix: number[][]; classNames: string[]; caption: string }) {
  return (
    <table className="confusion">
      <caption>{caption}</caption>
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
                    key={j}
                    className={diagonal ? "confusion-diagonal" : undefined}
                    style={{ background: `rgba(${diagonal ? "5, 150, 105" : "220, 38, 38"}, ${(share * 0.85).toFixed(3)})`, color: share > 0.55 ? "#fff" : undefined }}
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
  );
}
