import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaClient } from "./generated/sqlite/client";

export type Db = PrismaClient;
export type DbProvider = "sqlite" | "postgresql";

/**
 * Opens the database named by `url`. SQLite (`file:`) is the embedded default; the client runs on
 * Prisma's JS engine through a driver adapter, so no native query engine is needed.
 */
export function createDb(url: string): { db: Db; provider: DbProvider } {
  if (url.startsWith("file:")) {
    const adapter = new PrismaBetterSQLite3({ url });
    return { db: new PrismaClient({ adapter }), provider: "sqlite" };
  }
  if (url.startsWith("postgres://") || url.startsWith("postgresql://")) {
    throw new Error("DATABASE_URL: PostgreSQL is not supported by this build yet; use a file: URL");
  }
  throw new Error(`DATABASE_URL must start with "file:" (SQLite)${""}; got "${url.slice(0, 20)}…"`);
}

/** SQLite tuning for a single-file server with concurrent readers: WAL and a busy timeout. */
export async function tuneSqlite(db: Db): Promise<void> {
  await db.$queryRawUnsafe("PRAGMA journal_mode = WAL");
  await db.$queryRawUnsafe("PRAGMA busy_timeout = 5000");
  await db.$queryRawUnsafe("PRAGMA synchronous = NORMAL");
}
