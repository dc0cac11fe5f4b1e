import path from "node:path";
import { defineConfig } from "prisma/config";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";

// Prisma's own CLI (migrate, generate) runs on the JS engine through the SQLite driver adapter:
// no native schema engine is downloaded, which keeps the project installable offline.
const url = process.env.DATABASE_URL ?? `file:${path.resolve(process.env.DATA_DIR ?? "data", "tlab.db")}`;
// The schema's datasource reads DATABASE_URL; without it Prisma cannot read the schema and falls
// back to downloading a native engine.
process.env.DATABASE_URL = url;

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: path.join(import.meta.dirname, "schema.prisma"),
  migrations: { path: path.join(import.meta.dirname, "migrations") },
  adapter: async () => new PrismaBetterSQLite3({ url }),
});
