import { readFileSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { postgresPoolConfig, postgresSchemaOf } from "./postgres-adapter";
import { POSTGRES_MIGRATIONS_DIR, migrationNames } from "./postgres-schema";

/**
 * Creates the schema a `postgresql://...?schema=<name>` URL names and applies the committed
 * PostgreSQL migration SQL in it. Tests use it to get a fresh database in a few milliseconds;
 * servers use `prisma migrate deploy` (npm run db:migrate), which applies the same files.
 */
export async function createPostgresSchemaWithMigrations(url: string): Promise<void> {
  const schema = postgresSchemaOf(url);
  const client = new pg.Client(postgresPoolConfig(url));
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA "${schema}"`);
    await client.query(`SET search_path TO "${schema}"`);
    for (const name of migrationNames(POSTGRES_MIGRATIONS_DIR)) {
      await client.query(
        readFileSync(path.join(POSTGRES_MIGRATIONS_DIR, name, "migration.sql"), "utf8"),
      );
    }
  } finally {
    await client.end();
  }
}

/** Drops the schema a URL names, with everything in it. */
export async function dropPostgresSchema(url: string): Promise<void> {
  const schema = postgresSchemaOf(url);
  if (schema === "public")
    throw new Error("dropPostgresSchema: refusing to drop the public schema");
  const client = new pg.Client(postgresPoolConfig(url));
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}
