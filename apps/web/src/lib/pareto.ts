export interface CostPoint {
  id: string;
  /** Lower is better (wall time, trainable parameters). */
  cost: number;
  /** Higher is better (test accuracy). */
  accuracy: number;
}

/**
 * Ids of the points no other point dominates. A point is dominated when another costs no more and
 * is at least as accurate, and is strictly better in one of the two: there is no reason to pick it.
 */
export function paretoFront(points: readonly CostPoint[]): Set<string> {
  const front = new Set<string>();
  for (const p of points) {
    const dominated = points.some(
      (q) =>
        q.id !== p.id &&
        q.cost <= p.cost &&
        q.accuracy >= p.accuracy &&
        (q.cost < p.cost || q.accuracy > p.accuracy),
    );
    if (!dominated) front.add(p.id);
  }
  return front;
}

/** For a dominated point, one point that dominates it (the most accurate), to say why. */
export function dominatorOf(point: CostPoint, points: readonly CostPoint[]): CostPoint | null {
  const dominators = points.filter(
    (q) =>
      q.id !== point.id &&
      q.cost <= point.cost &&
      q.accuracy >= point.accuracy &&
      (q.cost < point.cost || q.accuracy > point.accuracy),
  );
  return dominators.sort((a, b) => b.accuracy - a.accuracy)[0] ?? null;
}
