/** Each row as fractions of its total (recall on the diagonal); an empty row stays all zeros. */
export function rowRates(matrix: readonly (readonly number[])[]): number[][] {
  return matrix.map((row) => {
    const total = row.reduce((a, b) => a + b, 0);
    return row.map((v) => (total > 0 ? v / total : 0));
  });
}

/**
 * B − A on row rates, so matrices with different totals (more seeds finished on one side)
 * still compare: +0.05 on the diagonal means B recalls that class 5 points better.
 */
export function rateDifference(
  a: readonly (readonly number[])[],
  b: readonly (readonly number[])[],
): number[][] | null {
  if (a.length !== b.length || a.some((row, i) => row.length !== b[i]!.length)) return null;
  const ra = rowRates(a);
  const rb = rowRates(b);
  return rb.map((row, i) => row.map((v, j) => v - ra[i]![j]!));
}
