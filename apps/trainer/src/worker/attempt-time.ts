import type { FinalMetrics } from "@tlab/core/run";

/**
 * Time an attempt spends blocked on the API while it trains (each epoch's metric report, the log
 * flush, the checkpoint upload): near zero normally, minutes through an outage. It is waiting,
 * not training cost, so it is taken out of the run's wall time and reported apart.
 */
export class ApiWaitClock {
  #ms = 0;

  async time<T>(call: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await call();
    } finally {
      this.#ms += performance.now() - started;
    }
  }

  get ms(): number {
    return this.#ms;
  }
}

/**
 * The metrics this attempt reports: its training time without the time it waited for the API
 * (shown apart as apiWaitMs), and the checkpoint epoch it resumed from, for which the server adds
 * the earlier attempts' epoch times (see RunService.complete).
 */
export function attemptFinalMetrics(
  metrics: FinalMetrics,
  apiWaitMs: number,
  resumedFromEpoch: number | undefined,
): FinalMetrics {
  const waited = Math.min(Math.max(0, apiWaitMs), metrics.wallTimeMs);
  return {
    ...metrics,
    wallTimeMs: metrics.wallTimeMs - waited,
    apiWaitMs: waited,
    resumedFromEpoch: resumedFromEpoch ?? 0,
  };
}
