import { heartbeatIntervalMs } from "@tlab/core/lease";

export interface HeartbeatOptions {
  leaseMs: number;
  beat: () => Promise<{ cancelRequested: boolean }>;
  onCancelRequested: () => void;
  onError: (error: unknown) => void;
}

/**
 * Heartbeats at half the lease while a run trains. Started when work starts and stopped in a
 * `finally`; a failed beat is reported and the next one tries again (the server's sweeper, not the
 * worker, decides when a lease is lost).
 *
 * One beat at a time, each due half a lease after the previous one started. A beat that took
 * longer than that is followed at once by the next: skipping the missed tick instead would leave a
 * whole lease between two renewals whenever the server answers slowly, and cost the lease.
 */
export function startHeartbeat(opts: HeartbeatOptions): { stop: () => void } {
  const interval = heartbeatIntervalMs(opts.leaseMs);
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const schedule = (delayMs: number) => {
    if (!stopped) timer = setTimeout(beatOnce, delayMs);
  };
  const beatOnce = () => {
    const startedAt = Date.now();
    opts
      .beat()
      .then((result) => {
        if (result.cancelRequested && !stopped) opts.onCancelRequested();
      })
      .catch(opts.onError)
      .finally(() => schedule(Math.max(0, interval - (Date.now() - startedAt))));
  };

  schedule(interval);
  return {
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
