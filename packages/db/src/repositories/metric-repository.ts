import type { MetricPoint } from "@tlab/core/run";
import type { SeriesPoint } from "@tlab/core/dto";
import type { Db, DbProvider } from "../client";

/** Rows per INSERT statement: 4 bound values each, 8,000 in all, below SQLite's (32,766) and PostgreSQL's (65,535) limits. */
const CHUNK = 2000;
const COLUMNS = 4;
/** Series reduced per SQLite statement (4 bound values each), or per parallel group on PostgreSQL. */
const SERIES_PER_STATEMENT = 1000;

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
   * A fixed number of statements, whatever the series' length: the series and their step ranges
   * from index probes, then the reduction, which reads each point once or twice from the covering
   * (runId, name, step, value) index and never sorts a whole series. Only the reduced rows leave
   * the database.
   */
  async downsampledSeries(runId: string, maxPoints: number): Promise<Map<string, SeriesPoint[]>> {
    // Two points per bucket plus the first and last keep a series within maxPoints.
    if (!Number.isSafeInteger(maxPoints) || maxPoints < 4)
      throw new Error(
        `maxPoints must be an integer of at least 4 (first, last, one bucket's lowest and highest); got ${maxPoints}`,
      );
    const buckets = Math.floor((maxPoints - 2) / 2);
    const series = (await this.seriesRanges(runId)).map(({ name, s0, s1 }) => ({
      name,
      s0,
      s1,
      // Steps are unique integers, so a series never has more points than its step range is wide.
      width: s1 - s0 + 1 <= maxPoints ? 1 : Math.ceil((s1 - s0 + 1) / buckets),
    }));
    if (series.length === 0) return new Map();
    // PostgreSQL reduces each series in a statement of its own, on the pool's connections in
    // parallel: a statement over a whole run can be estimated costly enough to be JIT-compiled,
    // which takes longer than the query itself.
    // SQLite binds 4 values per series: chunks keep a statement far below its 32,766 variables
    // however many series a run has (runs stored before the per-run cap may have thousands).
    const rows: ReducedRow[] = [];
    if (this.provider === "postgresql") {
      for (let i = 0; i < series.length; i += SERIES_PER_STATEMENT) {
        rows.push(
          ...(
            await Promise.all(
              series.slice(i, i + SERIES_PER_STATEMENT).map((s) => this.reducePostgres(runId, s)),
            )
          ).flat(),
        );
      }
    } else {
      for (let i = 0; i < series.length; i += SERIES_PER_STATEMENT)
        rows.push(...(await this.reduceSqlite(runId, series.slice(i, i + SERIES_PER_STATEMENT))));
    }
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

  /** The sum of one series' values over steps 1..`maxStep` (0 when it has none). */
  async sumUpToStep(runId: string, name: string, maxStep: number): Promise<number> {
    const { _sum } = await this.db.metricPoint.aggregate({
      where: { runId, name, step: { gte: 1, lte: maxStep } },
      _sum: { value: true },
    });
    return _sum.value ?? 0;
  }

  /** The names of a run's series, by index probes only. */
  async seriesNames(runId: string): Promise<string[]> {
    return (await this.seriesRanges(runId)).map((series) => series.name);
  }

  /**
   * The names of a run's series with their first and last step, by index probes only: a loose
   * index scan walks from one name to the next, where DISTINCT would read every point.
   */
  private async seriesRanges(runId: string): Promise<{ name: string; s0: number; s1: number }[]> {
    const { bind, values } = parameters(this.provider);
    const rows = await this.db.$queryRawUnsafe<
      { name: string; s0: number | bigint; s1: number | bigint }[]
    >(
      `WITH RECURSIVE names("name") AS (
         SELECT MIN(m."name") FROM "MetricPoint" m WHERE m."runId" = ${bind(runId)}
         UNION ALL
         SELECT (SELECT MIN(m."name") FROM "MetricPoint" m WHERE m."runId" = ${bind(runId)} AND m."name" > names."name")
         FROM names WHERE names."name" IS NOT NULL
       )
       SELECT names."name",
         (SELECT MIN(m."step") FROM "MetricPoint" m WHERE m."runId" = ${bind(runId)} AND m."name" = names."name") AS s0,
         (SELECT MAX(m."step") FROM "MetricPoint" m WHERE m."runId" = ${bind(runId)} AND m."name" = names."name") AS s1
       FROM names WHERE names."name" IS NOT NULL ORDER BY names."name"`,
      ...values,
    );
    return rows.map((r) => ({ name: r.name, s0: Number(r.s0), s1: Number(r.s1) }));
  }

  /**
   * SQLite, all series of the run in one statement: each bucket's lowest and highest point by a
   * pass over the bucket's range of the index.
   * SQLite returns the bare "step" of the row holding a MIN/MAX, so the pass neither sorts nor
   * groups; a GROUP BY over the whole series would sort every point first.
   */
  private reduceSqlite(runId: string, series: readonly ReducedSeries[]): Promise<ReducedRow[]> {
    const { bind, values } = parameters(this.provider);
    const extreme = (which: "MIN" | "MAX") =>
      `(SELECT "step" FROM (SELECT m."step", ${which}(m."value") FROM "MetricPoint" m
         WHERE m."runId" = ${bind(runId)} AND m."name" = b."name" AND m."step" >= b.lo AND m."step" < b.lo + b.width))`;
    return this.db.$queryRawUnsafe<ReducedRow[]>(
      `WITH RECURSIVE
         series("name", s0, s1, width) AS (VALUES ${seriesValues(series, bind)}),
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
       WHERE m."runId" = ${bind(runId)} AND (m."name", m."step") IN (SELECT "name", step FROM picked)
       ORDER BY m."name", m."step"`,
      ...values,
    );
  }

  /**
   * PostgreSQL, one series: one aggregation pass over its points. MIN/MAX of ARRAY[value, step]
   * compare by value, then step, so each bucket yields its lowest and highest point with the step
   * it occurred at, without sorting the series. (A float8 holds every int4 step exactly.)
   */
  private reducePostgres(runId: string, series: ReducedSeries): Promise<ReducedRow[]> {
    const { bind, values } = parameters(this.provider);
    return this.db.$queryRawUnsafe<ReducedRow[]>(
      `WITH series("name", s0, s1, width) AS (VALUES ${seriesValues([series], bind)}),
         extremes AS (
           SELECT MIN(ARRAY[m."value", m."step"]) AS lo, MAX(ARRAY[m."value", m."step"]) AS hi, s."name"
           FROM series s JOIN "MetricPoint" m ON m."runId" = ${bind(runId)} AND m."name" = s."name"
           GROUP BY s."name", (m."step" - s.s0) / s.width
         )
       SELECT "name", "step", "value" FROM (
         SELECT "name", CAST(lo[2] AS INTEGER) AS "step", lo[1] AS "value" FROM extremes
         UNION SELECT "name", CAST(hi[2] AS INTEGER), hi[1] FROM extremes
         UNION SELECT s."name", s.s0, (SELECT m."value" FROM "MetricPoint" m WHERE m."runId" = ${bind(runId)} AND m."name" = s."name" AND m."step" = s.s0) FROM series s
         UNION SELECT s."name", s.s1, (SELECT m."value" FROM "MetricPoint" m WHERE m."runId" = ${bind(runId)} AND m."name" = s."name" AND m."step" = s.s1) FROM series s
       ) picked
       ORDER BY "name", "step"`,
      ...values,
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

interface ReducedSeries {
  name: string;
  s0: number;
  s1: number;
  /** Steps per bucket; 1 keeps every point. */
  width: number;
}

interface ReducedRow {
  name: string;
  step: number | bigint;
  value: number;
}

/** Bound values in the order their placeholders appear: `?` on SQLite, `$1, $2, …` on PostgreSQL. */
function parameters(provider: DbProvider): { bind: (value: unknown) => string; values: unknown[] } {
  const values: unknown[] = [];
  const bind = (value: unknown) => {
    values.push(value);
    return provider === "postgresql" ? `$${values.length}` : "?";
  };
  return { bind, values };
}

/**
 * `(name, s0, s1, width), …` rows for a VALUES list. Bound numbers may reach SQLite as REAL, so
 * each is cast to INTEGER here, once, and the bucket arithmetic built on them stays integral.
 */
function seriesValues(series: readonly ReducedSeries[], bind: (value: unknown) => string): string {
  const int = (n: number) => `CAST(${bind(n)} AS INTEGER)`;
  return series
    .map((s) => `(CAST(${bind(s.name)} AS TEXT), ${int(s.s0)}, ${int(s.s1)}, ${int(s.width)})`)
    .join(", ");
}

/** `(?, ?), (?, ?)` for SQLite, `($1, $2), ($3, $4)` for PostgreSQL: raw SQL binds positionally on both. */
function valuesPlaceholders(provider: DbProvider, rows: number, columns: number): string {
  let next = 0;
  const placeholder = provider === "postgresql" ? () => `$${++next}` : () => "?";
  return Array.from(
    { length: rows },
    () => `(${Array.from({ length: columns }, placeholder).join(", ")})`,
  ).join(", ");
}
