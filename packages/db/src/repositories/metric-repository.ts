import type { MetricPoint } from "@tlab/core/run";
import type { SeriesPoint } from "@tlab/core/downsample";
import type { Db, DbProvider } from "../client";

/** Rows per INSERT statement: 4 bound values each stays far below SQLite's and PostgreSQL's parameter limits. */
const CHUNK = 500;
const COLUMNS = 4;

export class MetricRepository {
  constructor(
    private readonly db: Db,
    private readonly provider: DbProvider,
  ) {}

  /**
   * Writes points idempotently: the primary key is (runId, name, step) and a conflicting point
   * overwrites the value, so a batch the worker retries after a timeout never duplicates a step.
   */
  async upsertPoints(runId: string, points: readonly MetricPoint[]): Promise<number> {
    // PostgreSQL refuses an upsert that touches one row twice; SQLite lets the later row win.
    // Keeping only the last point per key gives that result on both.
    const unique = [...new Map(points.map((p) => [`${p.step}\u0000${p.name}`, p])).values()];
    for (let i = 0; i < unique.length; i += CHUNK) {
      const chunk = unique.slice(i, i + CHUNK);
      const placeholders = valuesPlaceholders(this.provider, chunk.length, COLUMNS);
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

/** `(?, ?), (?, ?)` for SQLite, `($1, $2), ($3, $4)` for PostgreSQL: raw SQL binds positionally on both. */
function valuesPlaceholders(provider: DbProvider, rows: number, columns: number): string {
  let next = 0;
  const placeholder = provider === "postgresql" ? () => `$${++next}` : () => "?";
  return Array.from({ length: rows }, () => `(${Array.from({ length: columns }, placeholder).join(", ")})`).join(", ");
}
