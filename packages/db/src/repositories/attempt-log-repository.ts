import { z } from "zod";
import type { Db } from "../client";
import { parseJsonColumn } from "../json";
import { createUnlessTaken } from "../unique-create";

const AttemptTimes = z.array(z.number().int());

/**
 * Reads and conditional writes per call to `take` before it gives up. A write only loses a round
 * when another one for the same key succeeded in between, and at most `max` can succeed per
 * window, so this is only reached when a key is flooded by that many concurrent attempts.
 */
const MAX_ROUNDS = 20;

export class AttemptLogRepository {
  constructor(private readonly db: Db) {}

  /**
   * Records an attempt for `key` at `now` unless `max` attempts were already recorded in the
   * `windowMs` before it (a sliding window); false when refused, and then nothing is recorded.
   *
   * Atomic across processes and replicas on SQLite and PostgreSQL: a key's row is written only if
   * it still has the version that was read (or, for a new key, only if nobody created it first),
   * so two replicas can never both take the last attempt. A round that lost such a race reads
   * again. Flooded past MAX_ROUNDS, the attempt is refused rather than counted uncertainly.
   */
  async take(key: string, max: number, windowMs: number, now: Date): Promise<boolean> {
    const at = now.getTime();
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const row = await this.db.attemptLog.findUnique({
        where: { key },
        select: { times: true, version: true },
      });
      const recent = row
        ? parseJsonColumn(AttemptTimes, row.times, "AttemptLog.times").filter(
            (t) => at - t < windowMs,
          )
        : [];
      if (recent.length >= max) return false;
      recent.push(at);
      // Replicas' clocks may disagree a little, so the newest time is not necessarily `at`.
      const data = {
        times: JSON.stringify(recent),
        expiresAt: new Date(Math.max(...recent) + windowMs),
      };
      if (row) {
        const { count } = await this.db.attemptLog.updateMany({
          where: { key, version: row.version },
          data: { ...data, version: { increment: 1 } },
        });
        if (count === 1) return true;
      } else if (await this.create(key, data)) {
        // New keys are where rows accumulate (one per account tried), so they prune the old ones.
        await this.db.attemptLog.deleteMany({ where: { expiresAt: { lte: now } } });
        return true;
      }
    }
    return false;
  }

  /** False when another process created the key first. */
  private async create(key: string, data: { times: string; expiresAt: Date }): Promise<boolean> {
    return (
      (await createUnlessTaken(() =>
        this.db.attemptLog.create({ data: { key, ...data }, select: { key: true } }),
      )) !== null
    );
  }
}
