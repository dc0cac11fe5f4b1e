import type { Db } from "../client";

const PROBE_KEY = "health.probe";

export class HealthProbeRepository {
  constructor(private readonly db: Db) {}

  /**
   * One short interactive write transaction, the kind every state change uses: it shows a full
   * disk, a read-only file or a stuck transaction, which a `SELECT 1` does not. Rolled-back or
   * committed, it leaves one Setting row behind at most.
   */
  async writeTransaction(timeoutMs: number): Promise<void> {
    await this.db.$transaction(
      async (tx) => {
        await tx.setting.upsert({
          where: { key: PROBE_KEY },
          create: { key: PROBE_KEY, value: "ok" },
          update: { value: "ok" },
        });
      },
      { maxWait: timeoutMs, timeout: timeoutMs },
    );
  }
}
