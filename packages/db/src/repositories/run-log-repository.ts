import { RunLogLevel, type RunLogLine, type RunLogLineInput } from "@tlab/core/run-log";
import type { Db, DbProvider } from "../client";

/** Rows per INSERT statement: 6 bound values each, 3,000 in all, below SQLite's and PostgreSQL's limits. */
const CHUNK = 500;

export class RunLogRepository {
  constructor(
    private readonly db: Db,
    private readonly provider: DbProvider,
  ) {}

  /**
   * Stores lines, ignoring any whose (runId, attempt, seq) is already stored: a batch the worker
   * retries after a timeout writes nothing twice, and the first copy of a line wins.
   * Returns how many lines were new.
   */
  async appendLines(
    runId: string,
    attempt: number,
    lines: readonly RunLogLineInput[],
  ): Promise<number> {
    const statements = [];
    for (let i = 0; i < lines.length; i += CHUNK) {
      const chunk = lines.slice(i, i + CHUNK);
      const values = chunk.flatMap((l) => [
        runId,
        attempt,
        l.seq,
        l.level,
        l.message,
        new Date(l.time),
      ]);
      statements.push(
        this.db.$executeRawUnsafe(
          `INSERT INTO "RunLog" ("runId", "attempt", "seq", "level", "message", "time") VALUES ${placeholders(this.provider, chunk.length, 6)}
           ON CONFLICT ("runId", "attempt", "seq") DO NOTHING`,
          ...values,
        ),
      );
    }
    if (statements.length === 0) return 0;
    const counts =
      statements.length === 1 ? [await statements[0]!] : await this.db.$transaction(statements);
    return counts.reduce((sum, n) => sum + n, 0);
  }

  /** Lines in (attempt, seq) order after the cursor, read as a range of the primary key. */
  async page(
    runId: string,
    after: { attempt: number; seq: number } | undefined,
    limit: number,
  ): Promise<RunLogLine[]> {
    const rows = await this.db.runLog.findMany({
      where: {
        runId,
        ...(after
          ? {
              OR: [
                { attempt: { gt: after.attempt } },
                { attempt: after.attempt, seq: { gt: after.seq } },
              ],
            }
          : {}),
      },
      orderBy: [{ attempt: "asc" }, { seq: "asc" }],
      take: limit,
      select: { attempt: true, seq: true, level: true, message: true, time: true },
    });
    return rows.map((r) => ({
      attempt: r.attempt,
      seq: r.seq,
      // Written through the API's schema; anything else reads as info rather than failing the page.
      level: RunLogLevel.safeParse(r.level).data ?? "info",
      message: r.message,
      time: r.time.toISOString(),
    }));
  }
}

/** `(?, …), …` on SQLite, `($1, …), …` on PostgreSQL. */
function placeholders(provider: DbProvider, rows: number, columns: number): string {
  let next = 0;
  const placeholder = provider === "postgresql" ? () => `$${++next}` : () => "?";
  return Array.from(
    { length: rows },
    () => `(${Array.from({ length: columns }, placeholder).join(", ")})`,
  ).join(", ");
}
