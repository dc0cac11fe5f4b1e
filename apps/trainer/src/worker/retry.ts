import { setTimeout as sleep } from "node:timers/promises";

export interface RetryOptions {
  /** Give up after this long (only retryable errors are retried; any other ends the retries at once). */
  maxElapsedMs: number;
  initialDelayMs?: number;
  maxDelayMs?: number;
  isRetryable: (error: unknown) => boolean;
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  signal?: AbortSignal;
}

/** Retries `fn` with exponential backoff and jitter while its errors are retryable. */
export async function withRetry<T>(fn: () => Promise<T>, opts: RetryOptions): Promise<T> {
  const started = Date.now();
  let delay = opts.initialDelayMs ?? 250;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      const elapsed = Date.now() - started;
      if (!opts.isRetryable(error) || elapsed + delay > opts.maxElapsedMs || opts.signal?.aborted)
        throw error;
      const jittered = Math.round(delay * (0.75 + Math.random() * 0.5));
      opts.onRetry?.(error, attempt, jittered);
      await sleep(jittered);
      delay = Math.min(delay * 2, opts.maxDelayMs ?? 5_000);
    }
  }
}
