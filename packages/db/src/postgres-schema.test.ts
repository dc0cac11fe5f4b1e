import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  POSTGRES_MIGRATIONS_DIR,
  POSTGRES_SCHEMA,
  SQLITE_MIGRATIONS_DIR,
  SQLITE_SCHEMA,
  migrationNames,
  toPostgresSchema,
} from "./postgres-schema";

// prisma/schema.prisma is the one source of truth; these checks fail when the committed PostgreSQL
// files drifted from it. The fix is always `npm run db:sync-postgres` (see packages/db/scripts).
describe("the PostgreSQL schema and migrations", () => {
  it("are exactly what the generator makes from the SQLite schema", () => {
    expect(readFileSync(POSTGRES_SCHEMA, "utf8")).toBe(
      toPostgresSchema(readFileSync(SQLITE_SCHEMA, "utf8")),
    );
  });

  it("have a migration of the same name for each SQLite migration, and a postgresql lock file", () => {
    const names = migrationNames(SQLITE_MIGRATIONS_DIR);
    expect(names.length).toBeGreaterThan(0);
    expect(migrationNames(POSTGRES_MIGRATIONS_DIR)).toEqual(names);
    expect(readFileSync(path.join(POSTGRES_MIGRATIONS_DIR, "migration_lock.toml"), "utf8")).toMatch(
      /^provider = "postgresql"$/m,
    );
    for (const name of names) {
      expect(
        readFileSync(path.join(POSTGRES_MIGRATIONS_DIR, name, "migration.sql"), "utf8"),
      ).not.toBe("");
    }
  });

  it("differ from the SQLite schema only in the provider, the client output and the header", () => {
    const sqlite = readFileSync(SQLITE_SCHEMA, "utf8");
    const postgres = toPostgresSchema(sqlite);
    expect(postgres).toContain('provider = "postgresql"');
    expect(postgres).toContain('output = "../../packages/db/src/generated/postgresql"');
    expect(postgres).not.toContain('"sqlite"');
    const body = (text: string) =>
      text
        .split("\n")
        .filter((line) => !/^\/\/|provider = "(sqlite|postgresql)"|output\s*=/.test(line.trim()))
        .join("\n")
        .trim();
    expect(body(postgres)).toBe(body(sqlite));
  });

  it("refuse provider-specific native types in the source schema", () => {
    const sqlite = readFileSync(SQLITE_SCHEMA, "utf8").replace(
      "name        String       @unique",
      "name        String       @unique @db.Text",
    );
    expect(() => toPostgresSchema(sqlite)).toThrow(/@db\.Text is a provider-specific native type/);
  });
});
