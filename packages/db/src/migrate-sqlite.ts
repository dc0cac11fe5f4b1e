import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";

export const MIGRATIONS_DIR = path.resolve(import.meta.dirname, "../../../prisma/migrations");

/**
 * Applies the committed migration SQL to a fresh SQLite file. Tests use it to get a real database
 * in milliseconds; servers use `prisma migrate deploy`, which applies the same files.
 */
export function applyMigrationsToFreshSqlite(filePath: string): void {
  const sqlite = new Database(filePath);
  try {
    for (const dir of readdirSync(MIGRATIONS_DIR, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort()) {
      sqlite.exec(readFileSync(path.join(MIGRATIONS_DIR, dir, "migration.sql"), "utf8"));
    }
  } finally {
    sqlite.close();
  }
}
