import type { MetricPoint } from "@tlab/core/run";
import type { SeriesPoint } from "@tlab/core/downsample";
import type { Db } from "../client";

/** Rows per INSERT statement: 4 bound values each stays far below SQLite's variable limit. */
const CHUNK = 500;

export class MetricRepository {
  constructor(private readonly db: Db) {}

  /**
   * Writes points idempotently: the primary key is (runId, name, step) and a conflicting point
   * overwrites the value, so a batch the worker retries after a timeout never duplicates a step.
   */
  async upsertPoints(runId: string, points: readonly MetricPoint[]): Promise<number> {
    for (let i = 0; i < points.length; i += CHUNK) {
      const chunk = points.slice(i, i + CHUNK);
      const placeholders = chunk.map(() => "(?, ?, ?, ?)").join(", ");
      const values = chunk.flatMap((p) => [runId, p.name, p.step, p.value]);
      await this.db.$executeRawUnsafe(
        `INSERT INTO "MetricPoint" ("runId", "name", "step", "value") VALUES ${placeholders}
         ON CONFLICT ("runId", "name", "step") DO UPDATE SET "value" = excluded."value"`,
        ...values,
      );
    }
    return points.length;
  }

  async series(runId: string, afterStep?: number): Promise<Map<string, SeriesPoint[]>> {
    const rows = await this.db.metricPoint.findMany({
      where: { runId, ...(afterStep === undefined ? {} : { step: { gt: afterStep } }) },
      orderBy: [{ name: "asc" }, { step: "asc" }],
      select: { name: true, step: true, value: true },
    });
    const out = new Map<string, SeriesPoint[]>();
    for (const r of rows) {
      const list = out.get(r.name) ?? [];
      list.push({ step: r.step, value: r.value });
      out.set(r.name, list);
    }
    return out;
  }
}
