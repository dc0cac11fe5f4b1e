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
   * A series whose step range fits in `maxPoints` comes back whole (one step per bucket).
   *
   * One statement per run. Every lookup in it is a probe or a short range of the covering
   * (runId, name, step, value) index: the names by a loose index scan, each series' first and last
   * step by MIN/MAX probes, and each bucket's lowest and highest point by a pass over that bucket's
   * range. Nothing sorts or groups a whole series, and only the reduced rows leave the database.
   */
  async downsampledSeries(runId: string, maxPoints: number): Promise<Map<string, SeriesPoint[]>> {
    // Two points per bucket plus the first and last keep a series within maxPoints.
    if (!Number.isSafeInteger(maxPoints) || maxPoints < 4) throw new Error(`maxPoints must be an integer of at least 4 (first, last, one bucket's lowest and highest); got ${maxPoints}`);
    const buckets = Math.floor((maxPoints - 2) / 2);
    const args: unknown[] = [];
    const arg = (value: unknown) => {
      args.push(value);
      return this.provider === "postgresql" ? `$${args.length}` : "?";
    };
    // Bound numbers may reach SQLite as REAL, so every integer is cast once, here, and the bucket
    // bounds computed from them stay integers.
    const int = (value: number) => `CAST(${arg(value)} AS INTEGER)`;
    // The step of a bucket's lowest (MIN) or highest (MAX) point. SQLite returns the bare "step" of
    // the row holding the MIN/MAX, in one pass over the bucket without sorting it; PostgreSQL has
    // no bare columns, so it takes the first row of the bucket ordered by value.
    const extreme = (which: "MIN" | "MAX") => {
      const inBucket = `m."runId" = ${arg(runId)} AND m."name" = b."name" AND m."step" >= b.lo AND m."step" < b.lo + b.width`;
      return this.provider === "postgresql"
        ? `(SELECT m."step" FROM "MetricPoint" m WHERE ${inBucket} ORDER BY m."value" ${which === "MIN" ? "ASC" : "DESC"}, m."step" LIMIT 1)`
        : `(SELECT "step" FROM (SELECT m."step", ${which}(m."value") FROM "MetricPoint" m WHERE ${inBucket}))`;
    };
    const sql = `WITH RECURSIVE
      names("name") AS (
        SELECT MIN(m."name") FROM "MetricPoint" m WHERE m."runId" = ${arg(runId)}
        UNION ALL
        SELECT (SELECT MIN(m."name") FROM "MetricPoint" m WHERE m."runId" = ${arg(runId)} AND m."name" > names."name")
        FROM names WHERE names."name" IS NOT NULL
      ),
      ranges("name", s0, s1) AS MATERIALIZED (
        SELECT names."name",
          (SELECT MIN(m."step") FROM "MetricPoint" m WHERE m."runId" = ${arg(runId)} AND m."name" = names."name"),
          (SELECT MAX(m."step") FROM "MetricPoint" m WHERE m."runId" = ${arg(runId)} AND m."name" = names."name")
        FROM names WHERE names."name" IS NOT NULL
      ),
      series("name", s0, s1, width) AS MATERIALIZED (
        -- Steps are unique integers, so a series never has more points than its step range is wide.
        SELECT "name", s0, s1,
          CASE WHEN s1 - s0 + 1 <= ${int(maxPoints)} THEN 1 ELSE (s1 - s0 + ${int(buckets)}) / ${int(buckets)} END
        FROM ranges
      ),
      bucket("name", lo, width, s1) AS (
        SELECT "name", s0, width, s1 FROM series
        UNION ALL
        SELECT "name", lo + width, width, s1 FROM bucket WHERE lo + width <= s1
      ),
      picked("name", step) AS (
        SELECT "name", s0 FROM series
        UNION ALL SELECT "name", s1 FROM series
        UNION ALL SELECT b."name", ${extreme("MIN")} FROM bucket b
        UNION ALL SELECT b."name", ${extreme("MAX")} FROM bucket b
      )
      SELECT m."name", m."step", m."value" FROM "MetricPoint" m
      WHERE m."runId" = ${arg(runId)} AND (m."name", m."step") IN (SELECT "name", step FROM picked)
      ORDER BY m."name", m."step"`;
    const rows = await this.db.$queryRawUnsafe<{ name: string; step: number | bigint; value: number }[]>(sql, ...args);
    // Rows arrive ordered by (name, step): each series is one run of rows, already in step order.
    const out = new Map<string, SeriesPoint[]>();
    let name: string | undefined;
    let points: SeriesPoint[] = [];
    for (const row of rows) {
      if (row.name !== name) {
        name = row.name;
        points = [];
        out.set(name, points);
      }
      points.push({ step: Number(row.step), value: Number(row.value) });
    }
    return out;
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
