import {
  RUN_LOG_MAX_LINES,
  RUN_LOG_MAX_MESSAGE_CHARS,
  type RunLogLevel,
  type RunLogLineInput,
} from "@tlab/core/run-log";

export type SendLogLines = (lines: RunLogLineInput[]) => Promise<void>;

export interface RunLogBufferOptions {
  /** Lines kept for the attempt; later ones are counted and reported by one marker line. */
  maxLines?: number;
  maxMessageChars?: number;
  /** Lines per call to `send`. */
  batchSize?: number;
}

/**
 * Holds one attempt's log lines until the API has accepted them. Each line gets its seq when it is
 * logged, and lines leave the buffer only once a send succeeded: a failed send keeps them, in
 * order, for the next flush, and appending is idempotent on (run, attempt, seq), so re-sending a
 * batch that did arrive before a timeout is harmless. Flushes run one after another, so the same
 * line is never in two sends at once and batches arrive in seq order.
 */
export class RunLogBuffer {
  private pending: RunLogLineInput[] = [];
  private nextSeq = 0;
  private dropped = 0;
  private closed = false;
  private flushing: Promise<void> = Promise.resolve();
  private readonly maxLines: number;
  private readonly maxMessageChars: number;
  private readonly batchSize: number;

  constructor(
    private readonly send: SendLogLines,
    options: RunLogBufferOptions = {},
  ) {
    this.maxLines = options.maxLines ?? RUN_LOG_MAX_LINES;
    this.maxMessageChars = options.maxMessageChars ?? RUN_LOG_MAX_MESSAGE_CHARS;
    this.batchSize = options.batchSize ?? 500;
  }

  add(level: RunLogLevel, message: string, time = new Date()): void {
    if (this.closed) return;
    if (this.nextSeq >= this.maxLines) {
      this.dropped += 1;
      return;
    }
    this.pending.push({
      seq: this.nextSeq++,
      level,
      message: truncate(message, this.maxMessageChars),
      time: time.toISOString(),
    });
  }

  get size(): number {
    return this.pending.length;
  }

  /** Sends every pending line; rejects (keeping the unsent ones) when a send fails. */
  flush(): Promise<void> {
    const done = this.flushing.then(() => this.sendPending());
    this.flushing = done.catch(() => undefined);
    return done;
  }

  /**
   * The attempt is over: adds the "… N lines dropped" marker when the cap was reached (its seq is
   * `maxLines`, the one the API keeps for it), ignores later lines, and flushes.
   */
  close(): Promise<void> {
    if (!this.closed && this.dropped > 0) {
      this.pending.push({
        seq: this.maxLines,
        level: "warn",
        message: `… ${this.dropped} lines dropped (an attempt's log keeps its first ${this.maxLines} lines)`,
        time: new Date().toISOString(),
      });
    }
    this.closed = true;
    return this.flush();
  }

  private async sendPending(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.slice(0, this.batchSize);
      await this.send(batch);
      this.pending.splice(0, batch.length);
    }
  }
}

function truncate(message: string, max: number): string {
  return message.length <= max ? message : `${message.slice(0, max - 1)}…`;
}
