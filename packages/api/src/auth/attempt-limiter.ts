import type { AttemptLogRepository } from "@tlab/db/repositories/attempt-log-repository";

export interface AttemptLimiterOptions {
  /** Keeps this limiter's keys apart from other users of the attempt log: `<scope>:<key>`. */
  scope: string;
  max: number;
  windowMs: number;
  now?: () => number;
}

/**
 * Counts attempts per key in a sliding window, in the database, so the limit holds across web
 * replicas that share it. Sign-in uses it per account on top of better-auth's per-address limit,
 * because the client address is only known when a proxy reports it (X-Forwarded-For) and can be
 * varied by whoever guesses passwords; the account they guess at cannot.
 */
export class AttemptLimiter {
  private readonly now: () => number;

  constructor(
    private readonly log: AttemptLogRepository,
    private readonly options: AttemptLimiterOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** Records an attempt; false when `key` already used up its attempts in the window. */
  take(key: string): Promise<boolean> {
    return this.log.take(
      `${this.options.scope}:${key}`,
      this.options.max,
      this.options.windowMs,
      new Date(this.now()),
    );
  }
}
