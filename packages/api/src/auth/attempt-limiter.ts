/**
 * Counts attempts per key in a sliding window, in process memory. Sign-in uses it per account on
 * top of better-auth's per-address limit, because the client address is only known when a proxy
 * reports it (X-Forwarded-For) and can be varied by whoever guesses passwords; the account they
 * guess at cannot.
 */
export class AttemptLimiter {
  private readonly attempts = new Map<string, number[]>();

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records an attempt; false when `key` already used up its attempts in the window. */
  take(key: string): boolean {
    const now = this.now();
    const recent = (this.attempts.get(key) ?? []).filter((t) => now - t < this.windowMs);
    if (recent.length >= this.max) {
      this.attempts.set(key, recent);
      return false;
    }
    recent.push(now);
    this.attempts.set(key, recent);
    if (this.attempts.size > 10_000) this.prune(now);
    return true;
  }

  private prune(now: number): void {
    for (const [key, times] of this.attempts) if (times.every((t) => now - t >= this.windowMs)) this.attempts.delete(key);
  }
}
