import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createDb, tuneSqlite, type Db, type DbProvider } from "../client";
import { createPostgresSchemaWithMigrations, dropPostgresSchema } from "../migrate-postgres";
import { applyMigrationsToFreshSqlite } from "../migrate-sqlite";

export const DEFAULT_TEST_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test";

export interface TestDb {
  db: Db;
  provider: DbProvider;
  /** `createDb(url)` opens another client of the same database, with its own connections, as another server process would. */
  url: string;
  /** A temporary directory for the test's files, removed by `cleanup`. */
  dir: string;
  /**
   * The client another web replica would query through, for tests of concurrent callers. On
   * PostgreSQL a client of its own (its own connection pool), disconnected by `cleanup`. SQLite is
   * served by one process, so there it is `db` itself, shared as concurrent requests share it:
   * several clients of one file in one process block each other in better-sqlite3's busy-wait.
   */
  replicaDb: () => Db;
  cleanup: () => Promise<void>;
}

/**
 * The provider database tests run on: SQLite unless TLAB_TEST_DB=postgresql (`npm run test:pg`),
 * which uses the server at TEST_POSTGRES_URL.
 */
export function testDbProvider(): DbProvider {
  const chosen = process.env.TLAB_TEST_DB?.trim() || "sqlite";
  if (chosen !== "sqlite" && chosen !== "postgresql")
    throw new Error(`TLAB_TEST_DB must be "sqlite" or "postgresql"; got "${chosen}"`);
  return chosen;
}

/**
 * A migrated, empty database for one test: a SQLite file in a temporary directory, or on
 * PostgreSQL a fresh schema `tlab_test_<random>` (so parallel test files never share tables).
 * `cleanup` disconnects and removes it.
 */
export async function createTestDb(): Promise<TestDb> {
  const dir = mkdtempSync(path.join(tmpdir(), "tlab-db-"));
  const removeDir = () => rmSync(dir, { recursive: true, force: true });
  if (testDbProvider() === "postgresql") {
    const server = new URL(process.env.TEST_POSTGRES_URL?.trim() || DEFAULT_TEST_POSTGRES_URL);
    server.searchParams.set("schema", `tlab_test_${randomBytes(6).toString("hex")}`);
    const url = server.toString();
    try {
      await createPostgresSchemaWithMigrations(url);
    } catch (error) {
      removeDir();
      throw new Error(
        `PostgreSQL for tests at ${process.env.TEST_POSTGRES_URL?.trim() || DEFAULT_TEST_POSTGRES_URL}: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
    const { db, provider } = createDb(url);
    const replicas: Db[] = [];
    return {
      db,
      provider,
      url,
      dir,
      replicaDb: () => {
        const replica = createDb(url).db;
        replicas.push(replica);
        return replica;
      },
      cleanup: async () => {
        await Promise.all([db, ...replicas].map((client) => client.$disconnect()));
        await dropPostgresSchema(url);
        removeDir();
      },
    };
  }
  const file = path.join(dir, "test.db");
  applyMigrationsToFreshSqlite(file);
  const url = `file:${file}`;
  const { db, provider } = createDb(url);
  await tuneSqlite(db);
  return {
    db,
    provider,
    url,
    dir,
    replicaDb: () => db,
    cleanup: async () => {
      await db.$disconnect();
      removeDir();
    },
  };
}
