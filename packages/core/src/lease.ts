/** Default lease a claim grants; the worker heartbeats at half of it. */
export const DEFAULT_LEASE_MS = 60_000;
export const DEFAULT_MAX_ATTEMPTS = 3;

export function leaseExpiry(now: Date, leaseMs: number): Date {
  return new Date(now.getTime() + leaseMs);
}

/** Heartbeat at half the lease so one lost heartbeat never costs the lease. */
export function heartbeatIntervalMs(leaseMs: number): number {
  return Math.max(250, Math.floor(leaseMs / 2));
}

export function isLeaseExpired(leaseExpiresAt: Date | null, now: Date): boolean {
  return leaseExpiresAt !== null && leaseExpiresAt.getTime() <= now.getTime();
}
