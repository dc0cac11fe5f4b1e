import type { DbProvider } from "../client";

/**
 * A case-insensitive substring filter on both providers: SQLite's LIKE already ignores ASCII case,
 * PostgreSQL needs Prisma's `mode: "insensitive"`. Only the PostgreSQL client's types declare
 * `mode`, so the filter is built as a value (no excess-property check) and reaches that client as is.
 */
export function containsIgnoringCase(provider: DbProvider, text: string): { contains: string } {
  if (provider === "sqlite") return { contains: text };
  const filter = { contains: text, mode: "insensitive" };
  return filter;
}
