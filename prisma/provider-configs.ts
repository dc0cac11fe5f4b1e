import path from "node:path";
import { defineConfig, type PrismaConfig } from "prisma/config";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { createPostgresAdapter, isPostgresUrl } from "../packages/db/src/postgres-adapter";

// Prisma's own CLI (migrate, generate, diff) runs on the JS engine through a driver adapter: no
// native schema engine is downloaded, which keeps the project installable offline.
//
// Each schema's datasource reads DATABASE_URL, and Prisma validates it against the schema's
// provider even for `generate`; when it is missing or names the other provider, Prisma falls back
// to downloading a native engine. So each config sets DATABASE_URL to a URL of its own provider.

/** The embedded default: prisma/schema.prisma (the source of truth) and prisma/migrations. */
export function sqliteConfig(): PrismaConfig {
  const given = process.env.DATABASE_URL?.trim();
  const url = given?.startsWith("file:")
    ? given
    : `file:${path.resolve(process.env.DATA_DIR ?? "data", "tlab.db")}`;
  process.env.DATABASE_URL = url;
  return defineConfig({
    experimental: { adapter: true },
    engine: "js",
    schema: path.join(import.meta.dirname, "schema.prisma"),
    migrations: { path: path.join(import.meta.dirname, "migrations") },
    adapter: async () => new PrismaBetterSQLite3({ url }),
  });
}

/**
 * A PostgreSQL server: prisma/postgresql/schema.prisma and prisma/postgresql/migrations, both
 * generated from the SQLite ones by `npm run db:sync-postgres`. Commands that connect (migrate
 * deploy/diff) need DATABASE_URL=postgresql://...; `generate` does not.
 */
export function postgresqlConfig(): PrismaConfig {
  const given = process.env.DATABASE_URL?.trim();
  const url = given && isPostgresUrl(given) ? given : null;
  process.env.DATABASE_URL = url ?? "postgresql://localhost:5432/unset";
  return defineConfig({
    experimental: { adapter: true },
    engine: "js",
    schema: path.join(import.meta.dirname, "postgresql", "schema.prisma"),
    migrations: { path: path.join(import.meta.dirname, "postgresql", "migrations") },
    adapter: async () => {
      if (!url)
        throw new Error(
          `DATABASE_URL must be a postgresql:// URL for this command; got "${given ?? ""}"`,
        );
      return createPostgresAdapter(url, { forPrismaCli: true });
    },
  });
}
