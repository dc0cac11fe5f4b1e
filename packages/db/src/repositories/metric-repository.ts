import type { MetricPoint } from "@tlab/core/run";
import type { SeriesPoint } from "@tlab/core/dto";
import type { Db, DbProvider } from "../client";

/** Rows per INSERT statement: 4 bound values each, 8,000 in all, below SQLite's (32,766) and PostgreSQL's (65,535) limits. */
const CHUNK = 2000;
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
    const statements = [];
    for (let i = 0; i < unique.length; i += CHUNK) {
      const chunk = unique.slice(i, i + CHUNK);
      const placeholders = valuesPlaceholders(this.provider, chunk.length, COLUMNS);
      const values = chunk.flatMap((p) => [runId, p.name, p.step, p.value]);
      statements.push(
        this.db.$executeRawUnsafe(
          `INSERT INTO "MetricPoint" ("runId", "name", "step", "value") VALUES ${placeholders}
           ON CONFLICT ("runId", "name", "step") DO UPDATE SET "value" = excluded."value"`,
          ...values,
        ),
      );
    }
    // One transaction per batch: a batch is stored whole or not at all, and SQLite syncs once.
    if (statements.length === 1) await statements[0];
    else if (statements.length > 1) await this.db.$transaction(statements);
    return points.length;
  }

  /**
   * Every series of a run, each reduced in the database to at most `maxPoints`: per step bucket the
   * lowest and highest point, plus the first and last point, so spikes survive however long the run.
   * Only the reduced rows leave the database, which keeps a 100,000-point series cheap to chart.
   */
  async downsampledSeries(runId: string, maxPoints: number): Promise<Map<string, SeriesPoint[]>> {
    const p = placeholderFactory(this.provider);
    const names = await this.db.$queryRawUnsafe<{ name: string }[]>(
      `SELECT DISTINCT "name" FROM "MetricPoint" WHERE "runId" = ${p(1)} ORDER BY "name"`,
      runId,
    );
    const out = new Map<string, SeriesPoint[]>();
    for (const { name } of names) {
      // MIN/MAX of an indexed column are two index probes, where COUNT(*) would scan the series.
      const [range] = await this.db.$queryRawUnsafe<{ s0: number; s1: number }[]>(
        `SELECT MIN("step") AS s0, MAX("step") AS s1 FROM "MetricPoint" WHERE "runId" = ${p(1)} AND "name" = ${p(2)}`,
        runId,
        name,
      );
      const stat = { name, s0: Number(range!.s0), s1: Number(range!.s1) };
      // Steps are unique integers, so a series never has more points than its step range is wide.
      if (stat.s1 - stat.s0 + 1 <= maxPoints) {
        out.set(stat.name, await this.rawSeries(runId, stat.name));
        continue;
      }
      const buckets = Math.max(1, Math.floor((maxPoints - 2) / 2));
      const width = Math.ceil((Number(stat.s1) - Number(stat.s0) + 1) / buckets);
      const [lows, highs, ends] = await Promise.all([
        this.bucketExtremes(runId, stat.name, Number(stat.s0), width, "MIN"),
        this.bucketExtremes(runId, stat.name, Number(stat.s0), width, "MAX"),
        this.db.$queryRawUnsafe<SeriesPoint[]>(
          `SELECT "step", "value" FROM "MetricPoint" WHERE "runId" = ${p(1)} AND "name" = ${p(2)} AND "step" IN (${p(3)}, ${p(4)})`,
          runId,
          stat.name,
          Number(stat.s0),
          Number(stat.s1),
        ),
      ]);
      const byStep = new Map<number, SeriesPoint>();
      for (const point of [...ends, ...lows, ...highs]) byStep.set(Number(point.step), { step: Number(point.step), value: Number(point.value) });
      out.set(stat.name, [...byStep.values()].sort((a, b) => a.step - b.step));
    }
    return out;
  }

  private async rawSeries(runId: string, name: string): Promise<SeriesPoint[]> {
    const p = placeholderFactory(this.provider);
    const rows = await this.db.$queryRawUnsafe<SeriesPoint[]>(
      `SELECT "step", "value" FROM "MetricPoint" WHERE "runId" = ${p(1)} AND "name" = ${p(2)} ORDER BY "step"`,
      runId,
      name,
    );
    return rows.map((r) => ({ step: Number(r.step), value: Number(r.value) }));
  }

  /** The lowest (MIN) or highest (MAX) point of each step bucket, with the step it occurred at. */
  private bucketExtremes(runId: string, name: string, firstStep: number, width: number, which: "MIN" | "MAX"): Promise<SeriesPoint[]> {
    if (this.provider === "postgresql") {
      return this.db.$queryRawUnsafe<SeriesPoint[]>(
        `SELECT DISTINCT ON (("step" - $3) / $4) "step", "value" FROM "MetricPoint"
         WHERE "runId" = $1 AND "name" = $2 ORDER BY ("step" - $3) / $4, "value" ${which === "MIN" ? "ASC" : "DESC"}`,
        runId,
        name,
        firstStep,
        width,
      );
    }
    // SQLite returns the row holding the MIN/MAX for the bare "step" column of an aggregate query.
    // Bound numbers may arrive as REAL, so the bucket index is truncated explicitly.
    return this.db.$queryRawUnsafe<SeriesPoint[]>(
      `SELECT "step", ${which}("value") AS "value" FROM "MetricPoint"
       WHERE "runId" = ? AND "name" = ? GROUP BY CAST(("step" - ?) / ? AS INTEGER)`,
      runId,
      name,
      firstStep,
      width,
    );
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

function placeholderFactory(provider: DbProvider): (n: number) => string {
  return provider === "postgresql" ? (n) => `$${n}` : () => "?";
}

/** `(?, ?), (?, ?)` for SQLite, `($1, $2), ($3, $4)` for PostgreSQL: raw SQL binds positionally on both. */
function valuesPlaceholders(provider: DbProvider, rows: number, columns: number): string {
  let next = 0;
  const placeholder = provider === "postgresql" ? () => `$${++next}` : () => "?";
  return Array.from({ length: rows }, () => `(${Array.from({ length: columns }, placeholder).join(", ")})`).join(", ");
}
