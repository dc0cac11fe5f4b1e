import type { MetricPoint } from "@tlab/core/run";

export type SendPoints = (points: MetricPoint[]) => Promise<void>;

/**
 * Holds metric points until the API has accepted them. A failed flush keeps every point for the
 * next one; ingestion is idempotent on (run, name, step), so re-sending a batch that did arrive
 * before a timeout is harmless.
 */
export class MetricBuffer {
  private pending: MetricPoint[] = [];

  constructor(private readonly send: SendPoints) {}

  add(points: readonly MetricPoint[]): void {
    this.pending.push(...points);
  }

  get size(): number {
    return this.pending.length;
  }

  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    try {
      await this.send(batch);
    } catch (error) {
      this.pending = batch.concat(this.pending);
      throw error;
    }
  }
}
