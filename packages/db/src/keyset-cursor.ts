import { z } from "zod";
import { DomainError } from "@tlab/core/errors";
import type { SortDirection } from "@tlab/core/table-queries";

/**
 * Keyset pagination: a cursor holds the last row's sort value and id, and the next page is "rows
 * after that pair" in the sort order. Unlike OFFSET, page N reads no more rows than page 1, and a
 * row inserted meanwhile neither repeats nor skips a row.
 *
 * Nullable sort columns order nulls last in both directions (`nulls: "last"`), so a finished run
 * with a test accuracy always comes before a queued one without.
 */
export type SortValue = string | number | Date | null;

const CursorPayload = z.object({
  /** The sort field the cursor was made for. */
  s: z.string(),
  /** The sort value; dates travel as `{ d: iso }` so they come back as Dates. */
  v: z.union([z.string(), z.number(), z.null(), z.object({ d: z.string() })]),
  id: z.string().min(1).max(100),
});

export interface Cursor {
  value: SortValue;
  id: string;
}

/**
 * What a sort column holds, so a cursor's value can be checked before it reaches a query: a
 * crafted cursor (a string for a number column, a fraction or 2^63 for an integer one) would
 * otherwise fail inside the database driver.
 */
export interface SortColumn {
  field: string;
  type: "date" | "string" | "int" | "float";
  nullable: boolean;
}

/** The widest integer both SQLite and PostgreSQL integer columns hold as Prisma Int. */
const INT_RANGE = 2 ** 31;

export function encodeCursor(sort: SortColumn, value: SortValue, id: string): string {
  const v = value instanceof Date ? { d: value.toISOString() } : value;
  return Buffer.from(JSON.stringify({ s: sort.field, v, id }), "utf8").toString("base64url");
}

/** The cursor's sort value and id, checked against the sort the page is asked in. */
export function decodeCursor(cursor: string, sort: SortColumn): Cursor {
  const refuse = (why: string): never => {
    throw new DomainError("INVALID_INPUT", `cursor: ${why}; start again from the first page`);
  };
  let parsed: z.infer<typeof CursorPayload> | undefined;
  try {
    parsed = CursorPayload.parse(JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")));
  } catch {
    // refused below, outside the catch
  }
  if (!parsed) return refuse("not a cursor this server issued");
  if (parsed.s !== sort.field)
    return refuse(`made for the sort by ${parsed.s}, not by ${sort.field}`);
  const v = parsed.v;
  if (v === null)
    return sort.nullable
      ? { value: null, id: parsed.id }
      : refuse(`its ${sort.field} value is missing`);
  switch (sort.type) {
    case "date": {
      const date = typeof v === "object" ? new Date(v.d) : null;
      if (!date || Number.isNaN(date.getTime()))
        return refuse(`its ${sort.field} value is not a date`);
      return { value: date, id: parsed.id };
    }
    case "string":
      return typeof v === "string"
        ? { value: v, id: parsed.id }
        : refuse(`its ${sort.field} value is not text`);
    case "int":
      return typeof v === "number" && Number.isInteger(v) && Math.abs(v) < INT_RANGE
        ? { value: v, id: parsed.id }
        : refuse(`its ${sort.field} value is not a whole number in range`);
    case "float":
      return typeof v === "number" && Number.isFinite(v)
        ? { value: v, id: parsed.id }
        : refuse(`its ${sort.field} value is not a number`);
  }
}

/**
 * The filter for "rows after `cursor`" when ordering by `field` then `id`, both in `direction`.
 * Returned as a plain object for the caller's Prisma `where` (the field names are the caller's).
 */
export function afterCursor(
  sort: SortColumn,
  direction: SortDirection,
  cursor: Cursor,
): Record<string, unknown> {
  const { field, nullable } = sort;
  const beyond = direction === "desc" ? "lt" : "gt";
  if (cursor.value === null) {
    // Among the trailing nulls only the id orders.
    return { [field]: null, id: { [beyond]: cursor.id } };
  }
  return {
    OR: [
      { [field]: { [beyond]: cursor.value } },
      { [field]: cursor.value, id: { [beyond]: cursor.id } },
      ...(nullable ? [{ [field]: null }] : []),
    ],
  };
}
