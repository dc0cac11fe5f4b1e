import { existsSync, readdirSync } from "node:fs";
import path from "node:path";

/**
 * prisma/schema.prisma (SQLite) is the one source of truth for the models. The PostgreSQL schema
 * is derived from it by `toPostgresSchema` (npm run db:sync-postgres writes it, with a migration
 * of the same name for each SQLite migration); postgres-schema.test.ts checks the committed files.
 */
export const PRISMA_DIR = path.resolve(import.meta.dirname, "../../../prisma");
export const SQLITE_SCHEMA = path.join(PRISMA_DIR, "schema.prisma");
export const SQLITE_MIGRATIONS_DIR = path.join(PRISMA_DIR, "migrations");
export const POSTGRES_DIR = path.join(PRISMA_DIR, "postgresql");
export const POSTGRES_SCHEMA = path.join(POSTGRES_DIR, "schema.prisma");
export const POSTGRES_MIGRATIONS_DIR = path.join(POSTGRES_DIR, "migrations");

export const POSTGRES_SCHEMA_BANNER = `// GENERATED from prisma/schema.prisma by packages/db/scripts/generate-postgres-schema.ts
// (npm run db:sync-postgres). Do not edit: change prisma/schema.prisma, create its SQLite
// migration, then run the script; it writes this file and the PostgreSQL migration of that name.
`;

/**
 * The PostgreSQL schema for the SQLite one: same models, datasource provider "postgresql", the
 * client generated next to the SQLite one. Prisma's scalar types (String, Int, Float, Boolean,
 * DateTime) map on both providers by themselves; native type attributes (`@db.*`) do not, so the
 * source schema must not use them.
 */
export function toPostgresSchema(sqliteSchema: string): string {
  // The source's leading comment describes the SQLite file; the banner replaces it.
  const body = sqliteSchema.replace(/^(?:\/\/.*\r?\n)+\s*/, "");

  const nativeType = /@db\.\w+/.exec(body);
  if (nativeType)
    throw new Error(
      `prisma/schema.prisma: ${nativeType[0]} is a provider-specific native type; use plain Prisma scalar types`,
    );

  const withProvider = replaceInBlock(
    body,
    /datasource\s+\w+\s*\{[^}]*\}/,
    /provider\s*=\s*"sqlite"/,
    () => 'provider = "postgresql"',
    'datasource provider = "sqlite"',
  );
  const withOutput = replaceInBlock(
    withProvider,
    /generator\s+client\s*\{[^}]*\}/,
    /output\s*=\s*"([^"]+)"/,
    (_match, output: string) => `output = "${postgresOutputFor(output)}"`,
    "generator client output",
  );
  return `${POSTGRES_SCHEMA_BANNER}\n${withOutput}`;
}

/** The SQLite client's output (relative to prisma/) with its last segment renamed, relative to prisma/postgresql/. */
function postgresOutputFor(sqliteOutput: string): string {
  const fromRoot = path.posix.normalize(path.posix.join("prisma", sqliteOutput));
  if (path.posix.basename(fromRoot) !== "sqlite") {
    throw new Error(
      `prisma/schema.prisma: the client output must end in /sqlite (the PostgreSQL client goes next to it); got "${sqliteOutput}"`,
    );
  }
  return path.posix.relative(
    "prisma/postgresql",
    path.posix.join(path.posix.dirname(fromRoot), "postgresql"),
  );
}

function replaceInBlock(
  text: string,
  block: RegExp,
  target: RegExp,
  replacement: (match: string, ...groups: string[]) => string,
  what: string,
): string {
  const found = block.exec(text);
  if (!found || !target.test(found[0]))
    throw new Error(`prisma/schema.prisma: could not find the ${what}`);
  const replaced = found[0].replace(target, replacement);
  return text.slice(0, found.index) + replaced + text.slice(found.index + found[0].length);
}

/** Migration folder names in apply order (Prisma applies them sorted by name). */
export function migrationNames(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
}
