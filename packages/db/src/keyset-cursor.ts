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
  /** The sort value; dates travel as `{ d: iso }` so they come back as Dates. */
  v: z.union([z.string(), z.number(), z.null(), z.object({ d: z.string() })]),
  id: z.string().min(1),
});

export interface Cursor {
  value: SortValue;
  id: string;
}

export function encodeCursor(value: SortValue, id: string): string {
  const v = value instanceof Date ? { d: value.toISOString() } : value;
  return Buffer.from(JSON.stringify({ v, id }), "utf8").toString("base64url");
}

export function decodeCursor(cursor: string): Cursor {
  let parsed: z.infer<typeof CursorPayload>;
  try {
    parsed = CursorPayload.parse(JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")));
  } catch {
    throw new DomainError("INVALID_INPUT", "cursor: not a cursor this server issued; start again from the first page");
  }
  const value = parsed.v !== null && typeof parsed.v === "object" ? new Date(parsed.v.d) : parsed.v;
  if (value instanceof Date && Number.isNaN(value.getTime())) throw new DomainError("INVALID_INPUT", "cursor: its date is invalid");
  return { value, id: parsed.id };
}

/**
 * The filter for "rows after `cursor`" when ordering by `field` then `id`, both in `direction`.
 * Returned as a plain object for the caller's Prisma `where` (the field names are the caller's).
 */
export function afterCursor(field: string, direction: SortDirection, cursor: Cursor, nullable: boolean): Record<string, unknown> {
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
