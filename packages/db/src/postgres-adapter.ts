import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";

const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PG_NAME_OID = 19;
const PG_TEXT_OID = 25;

export function isPostgresUrl(url: string): boolean {
  return url.startsWith("postgres://") || url.startsWith("postgresql://");
}

/**
 * The PostgreSQL schema a URL names with Prisma's `?schema=` parameter (`public` when absent).
 * Only plain identifiers are accepted: the name ends up in a connection option.
 */
export function postgresSchemaOf(url: string): string {
  const schema = new URL(url).searchParams.get("schema") ?? "public";
  if (!SCHEMA_NAME.test(schema)) {
    throw new Error(
      `DATABASE_URL: schema must be a plain identifier (letters, digits, _); got "${schema}"`,
    );
  }
  return schema;
}

/** node-postgres settings for a URL: `?schema=` becomes the connection's search_path. */
export function postgresPoolConfig(url: string): pg.PoolConfig {
  const schema = postgresSchemaOf(url);
  const parsed = new URL(url);
  parsed.searchParams.delete("schema");
  const given = parsed.searchParams.get("options");
  parsed.searchParams.delete("options");
  return {
    connectionString: parsed.toString(),
    options: [given, `-c search_path=${schema}`].filter(Boolean).join(" "),
  };
}

/**
 * A Prisma driver adapter for a `postgresql://` URL. `?schema=` is honoured for both kinds of
 * query: Prisma qualifies model queries with the adapter's `schema`, while raw SQL (metric upserts,
 * claim locks) and migration scripts use unqualified names, resolved through the search_path.
 *
 * `forPrismaCli` is for prisma.config.ts: the CLI process must exit when its command is done rather
 * than when the idle pool times out, and Prisma Migrate must be able to read the catalogs (below).
 */
export function createPostgresAdapter(
  url: string,
  opts: { forPrismaCli?: boolean } = {},
): PrismaPg {
  const schema = postgresSchemaOf(url);
  if (!opts.forPrismaCli) return new PrismaPg(postgresPoolConfig(url), { schema });
  const pool = new pg.Pool({ ...postgresPoolConfig(url), allowExitOnIdle: true });
  pool.on("connect", reportNameColumnsAsText);
  return new PrismaPg(pool, { schema, disposeExternalPool: true });
}

/**
 * @prisma/adapter-pg 6.19 rejects results with `name` columns (PostgreSQL's identifier type, which
 * the system catalogs use), so every `prisma migrate` command run through the adapter fails with
 * "Column type 'name' could not be deserialized" (prisma/prisma#27403). node-postgres delivers
 * `name` values as strings, exactly like text, so relabelling those columns as text is enough.
 * Installed on each new connection: pool queries and transaction queries both go through it.
 */
function reportNameColumnsAsText(client: pg.PoolClient): void {
  const query: (...args: unknown[]) => unknown = client.query.bind(client);
  const relabel = (result: unknown): void => {
    const fields: unknown =
      typeof result === "object" && result !== null && "fields" in result
        ? result.fields
        : undefined;
    if (!Array.isArray(fields)) return;
    for (const field of fields as pg.FieldDef[])
      if (field.dataTypeID === PG_NAME_OID) field.dataTypeID = PG_TEXT_OID;
  };
  const patched = (...args: unknown[]): unknown => {
    const callback = args.at(-1);
    if (typeof callback === "function") {
      args[args.length - 1] = (error: unknown, result: unknown) => {
        relabel(result);
        callback(error, result);
      };
      return query(...args);
    }
    const pending = query(...args);
    return pending instanceof Promise
      ? pending.then((result: unknown) => {
          relabel(result);
          return result;
        })
      : pending;
  };
  client.query = patched as pg.PoolClient["query"];
}
