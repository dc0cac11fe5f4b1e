import type { MetricSeriesDto } from "@tlab/core/dto";

/**
 * Adds live points to a run's series: one point per (name, step), the newer value winning (the
 * worker's writes are idempotent upserts, so a re-sent step replaces, never duplicates). Returns
 * the same array when nothing changed, so React skips the re-render.
 */
export function mergePoints(
  series: readonly MetricSeriesDto[],
  points: readonly { name: string; step: number; value: number }[],
): MetricSeriesDto[] {
  if (points.length === 0) return series as MetricSeriesDto[];
  const byName = new Map(
    series.map((s) => [s.name, new Map(s.points.map((p) => [p.step, p.value]))]),
  );
  let changed = false;
  for (const p of points) {
    let steps = byName.get(p.name);
    if (!steps) {
      steps = new Map();
      byName.set(p.name, steps);
    }
    if (steps.get(p.step) !== p.value) {
      steps.set(p.step, p.value);
      changed = true;
    }
  }
  if (!changed) return series as MetricSeriesDto[];
  return [...byName].map(([name, steps]) => ({
    name,
    points: [...steps].map(([step, value]) => ({ step, value })).sort((a, b) => a.step - b.step),
  }));
}

/** The highest step in any series: where a live stream resumes. */
export function lastStep(series: readonly MetricSeriesDto[]): number {
  let max = 0;
  for (const s of series) for (const p of s.points) if (p.step > max) max = p.step;
  return max;
}
