export interface SeriesPoint {
  step: number;
  value: number;
}

/**
 * Reduces a series to at most `maxPoints` by min/max buckets: each bucket keeps its lowest and
 * highest point (in step order), so spikes and dips survive however long the run was. The first
 * and last points are always kept.
 */
export function downsampleMinMax(points: readonly SeriesPoint[], maxPoints: number): SeriesPoint[] {
  if (maxPoints < 4) throw new RangeError("maxPoints must be at least 4");
  if (points.length <= maxPoints) return points.slice();
  const inner = points.slice(1, -1);
  const buckets = Math.floor((maxPoints - 2) / 2);
  const size = inner.length / buckets;
  const out: SeriesPoint[] = [points[0]!];
  for (let b = 0; b < buckets; b++) {
    const start = Math.floor(b * size);
    const end = Math.min(inner.length, Math.floor((b + 1) * size));
    if (end <= start) continue;
    let lo = inner[start]!;
    let hi = inner[start]!;
    for (let i = start + 1; i < end; i++) {
      const p = inner[i]!;
      if (p.value < lo.value) lo = p;
      if (p.value > hi.value) hi = p;
    }
    if (lo === hi) out.push(lo);
    else if (lo.step < hi.step) out.push(lo, hi);
    else out.push(hi, lo);
  }
  out.push(points[points.length - 1]!);
  return out;
}
