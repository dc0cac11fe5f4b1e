import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { postgresPoolConfig } from "./postgres-adapter";
import { POSTGRES_MIGRATIONS_DIR, PRISMA_DIR, migrationNames } from "./postgres-schema";
import {
  createTestDb,
  DEFAULT_TEST_POSTGRES_URL,
  testDbProvider,
  type TestDb,
} from "./testing/create-test-db";

const ROOT = path.resolve(PRISMA_DIR, "..");
const provider = testDbProvider();
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client(postgresPoolConfig(url));
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Columns and indexes of one schema, in a form two schemas can be compared by. */
async function shapeOf(client: pg.Client, schema: string): Promise<string[]> {
  const columns = await client.query<{ line: string }>(
    `SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '') AS line
     FROM information_schema.columns WHERE table_schema = $1 AND table_name <> '_prisma_migrations'`,
    [schema],
  );
  const indexes = await client.query<{ line: string }>(
    `SELECT replace(indexdef, $1 || '.', '') AS line FROM pg_indexes WHERE schemaname = $1 AND tablename <> '_prisma_migrations'`,
    [schema],
  );
  return [...columns.rows, ...indexes.rows].map((r) => r.line).sort();
}

// The server path (npm start, npm run db:migrate) migrates PostgreSQL with Prisma's own CLI on its
// JS engine through the pg adapter (prisma/prisma.config.ts picks the PostgreSQL config for a
// postgres:// DATABASE_URL). Tests build their schemas from the same SQL directly, in milliseconds.
describe.runIf(provider === "postgresql")("prisma migrate deploy on PostgreSQL", () => {
  it("applies the committed migrations into an empty schema, giving the schema the tests use", async () => {
    const url = new URL(process.env.TEST_POSTGRES_URL?.trim() || DEFAULT_TEST_POSTGRES_URL);
    const schema = `tlab_deploy_${randomBytes(6).toString("hex")}`;
    url.searchParams.set("schema", schema);
    await withClient(url.toString(), (c) => c.query(`CREATE SCHEMA "${schema}"`));
    cleanups.push(() =>
      withClient(url.toString(), (c) => c.query(`DROP SCHEMA "${schema}" CASCADE`)).then(
        () => undefined,
      ),
    );
    const reference: TestDb = await createTestDb();
    cleanups.push(reference.cleanup);

    const result = spawnSync(
      path.join(ROOT, "node_modules/.bin/prisma"),
      ["migrate", "deploy", "--config", "prisma/prisma.config.ts"],
      {
        cwd: ROOT,
        env: { ...process.env, DATABASE_URL: url.toString() },
        encoding: "utf8",
      },
    );
    expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(result.stdout).toContain("All migrations have been successfully applied");

    await withClient(url.toString(), async (client) => {
      const applied = await client.query<{ migration_name: string }>(
        `SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY migration_name`,
      );
      expect(applied.rows.map((r) => r.migration_name)).toEqual(
        migrationNames(POSTGRES_MIGRATIONS_DIR),
      );
      const referenceSchema = new URL(reference.url).searchParams.get("schema")!;
      const deployed = await shapeOf(client, schema);
      expect(deployed.length).toBeGreaterThan(20);
      expect(deployed).toEqual(await shapeOf(client, referenceSchema));
    });
  });
});
