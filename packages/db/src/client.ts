import { PrismaClient } from "./generated/sqlite/client";
import { PrismaClient as PostgresPrismaClient } from "./generated/postgresql/client";
import { createPostgresAdapter, isPostgresUrl } from "./postgres-adapter";
import { RecoveringSqliteAdapterFactory, SQLITE_TRANSACTION_MAX_WAIT_MS } from "./sqlite-adapter";

/**
 * The client type every repository takes. Both generated clients come from the same models
 * (prisma/postgresql/schema.prisma is generated from prisma/schema.prisma), so they share this
 * model API; SQL that differs between the providers branches on `DbProvider`.
 */
export type Db = PrismaClient;
export type DbProvider = "sqlite" | "postgresql";

const providers = new WeakMap<Db, DbProvider>();

/**
 * Every interactive transaction is bounded: waiting to start (a busy SQLite file, an exhausted
 * PostgreSQL pool) and running. A transaction that overruns is rolled back and its caller gets an
 * error instead of holding the database. Callers with their own needs pass their own options.
 */
export const TRANSACTION_OPTIONS = {
  maxWait: SQLITE_TRANSACTION_MAX_WAIT_MS,
  timeout: 15_000,
} as const;

/**
 * Opens the database named by `url`: SQLite (`file:`) is the embedded default, `postgres://` or
 * `postgresql://` (optionally with `?schema=`) a shared server. Both clients run on Prisma's JS
 * engine through a driver adapter, so no native query engine is needed.
 */
export function createDb(url: string): { db: Db; provider: DbProvider } {
  if (url.startsWith("file:")) {
    const db = new PrismaClient({
      adapter: new RecoveringSqliteAdapterFactory({ url }),
      transactionOptions: TRANSACTION_OPTIONS,
    });
    providers.set(db, "sqlite");
    return { db, provider: "sqlite" };
  }
  if (isPostgresUrl(url)) {
    const client = new PostgresPrismaClient({
      adapter: createPostgresAdapter(url),
      transactionOptions: TRANSACTION_OPTIONS,
    });
    // The one cast between the two generated clients. They are generated from the same models,
    // so the model delegates and raw-query methods behave alike, but TypeScript cannot relate
    // two separately generated type trees (their PrismaPromise and aggregate types are distinct
    // declarations, and only PostgreSQL accepts `mode: "insensitive"` filters).
    // prisma/postgresql/schema.prisma is checked to match prisma/schema.prisma by postgres-schema.test.ts.
    const db = client as unknown as Db;
    providers.set(db, "postgresql");
    return { db, provider: "postgresql" };
  }
  throw new Error(
    `DATABASE_URL must start with "file:" (SQLite) or "postgres://" / "postgresql://" (PostgreSQL); got "${url.slice(0, 20)}…"`,
  );
}

/**
 * The provider of a client opened by `createDb`, for code that is handed only the client (the
 * services wiring) and must pick provider-specific SQL.
 */
export function providerOf(db: Db): DbProvider {
  const provider = providers.get(db);
  if (!provider)
    throw new Error(
      "providerOf: this client was not opened by createDb(url), so its provider is unknown",
    );
  return provider;
}

/** SQLite tuning for a single-file server with concurrent readers: WAL and a busy timeout. */
export async function tuneSqlite(db: Db): Promise<void> {
  await db.$queryRawUnsafe("PRAGMA journal_mode = WAL");
  await db.$queryRawUnsafe("PRAGMA busy_timeout = 5000");
  await db.$queryRawUnsafe("PRAGMA synchronous = NORMAL");
}
