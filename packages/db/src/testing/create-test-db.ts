import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createDb, tuneSqlite, type Db } from "../client";
import { applyMigrationsToFreshSqlite } from "../migrate-sqlite";

/** A migrated SQLite database in a temporary directory, removed by `cleanup`. */
export async function createTestDb(): Promise<{ db: Db; dir: string; url: string; cleanup: () => Promise<void> }> {
  const dir = mkdtempSync(path.join(tmpdir(), "tlab-db-"));
  const file = path.join(dir, "test.db");
  applyMigrationsToFreshSqlite(file);
  const url = `file:${file}`;
  const { db } = createDb(url);
  await tuneSqlite(db);
  return {
    db,
    dir,
    url,
    cleanup: async () => {
      await db.$disconnect();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
