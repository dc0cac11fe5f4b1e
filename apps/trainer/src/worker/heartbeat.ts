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
 */
export function startHeartbeat(opts: HeartbeatOptions): { stop: () => void } {
  let stopped = false;
  let inFlight = false;
  const timer = setInterval(() => {
    if (inFlight || stopped) return;
    inFlight = true;
    opts
      .beat()
      .then((result) => {
        if (result.cancelRequested && !stopped) opts.onCancelRequested();
      })
      .catch(opts.onError)
      .finally(() => {
        inFlight = false;
      });
  }, heartbeatIntervalMs(opts.leaseMs));
  return {
    stop: () => {
      stopped = true;
      clearInterval(timer);
    },
  };
}
