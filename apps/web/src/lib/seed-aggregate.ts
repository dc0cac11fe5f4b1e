export interface Point {
  step: number;
  value: number;
}

export interface AggregatePoint {
  step: number;
  mean: number;
  /** Sample standard deviation across seeds; null where fewer than two seeds have a value. */
  std: number | null;
  min: number;
  max: number;
  /** Seeds contributing at this step. */
  n: number;
}

/**
 * Mean, spread and range of one metric across the seeds of a strategy, step by step. Seeds whose
 * series were downsampled on the server (or that stopped early) do not share every step: inside
 * its own range a seed is linearly interpolated at the other seeds' steps, and outside it the seed
 * simply does not count (n says how many did), so a band never invents data past a run's end.
 */
export function aggregateSeeds(seeds: readonly (readonly Point[])[]): AggregatePoint[] {
  const sorted = seeds
    .filter((s) => s.length > 0)
    .map((s) => [...s].sort((a, b) => a.step - b.step));
  if (sorted.length === 0) return [];
  const steps = [...new Set(sorted.flatMap((s) => s.map((p) => p.step)))].sort((a, b) => a - b);
  const cursors = sorted.map(() => 0);
  const out: AggregatePoint[] = [];
  for (const step of steps) {
    const values: number[] = [];
    sorted.forEach((series, i) => {
      const value = valueAt(series, step, cursors, i);
      if (value !== null) values.push(value);
    });
    if (values.length === 0) continue;
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const std =
      values.length < 2
        ? null
        : Math.sqrt(values.reduce((acc, v) => acc + (v - mean) ** 2, 0) / (values.length - 1));
    out.push({
      step,
      mean,
      std,
      min: Math.min(...values),
      max: Math.max(...values),
      n: values.length,
    });
  }
  return out;
}

/** The series' value at `step` (exact or interpolated), or null outside its range. `cursors[i]` only moves forward. */
function valueAt(
  series: readonly Point[],
  step: number,
  cursors: number[],
  i: number,
): number | null {
  const first = series[0]!;
  const last = series[series.length - 1]!;
  if (step < first.step || step > last.step) return null;
  let c = cursors[i]!;
  while (c < series.length - 1 && series[c + 1]!.step <= step) c += 1;
  cursors[i] = c;
  const here = series[c]!;
  if (here.step === step) return here.value;
  const next = series[c + 1];
  if (!next) return here.value;
  const t = (step - here.step) / (next.step - here.step);
  return here.value + t * (next.value - here.value);
}

export type BandKind = "std" | "minmax" | "none";

/** The lower and upper edge of the band at each step; null edges where the band is undefined (one seed). */
export function bandEdges(
  points: readonly AggregatePoint[],
  kind: BandKind,
): { lower: Point[]; upper: Point[] } {
  if (kind === "none") return { lower: [], upper: [] };
  const lower: Point[] = [];
  const upper: Point[] = [];
  for (const p of points) {
    if (p.n < 2) continue;
    if (kind === "minmax") {
      lower.push({ step: p.step, value: p.min });
      upper.push({ step: p.step, value: p.max });
    } else if (p.std !== null) {
      lower.push({ step: p.step, value: p.mean - p.std });
      upper.push({ step: p.step, value: p.mean + p.std });
    }
  }
  return { lower, upper };
}
