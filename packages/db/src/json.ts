import type { z } from "zod";

/** JSON columns are strings in both providers; they are parsed back through their zod schema. */
export function parseJsonColumn<T extends z.ZodType>(
  schema: T,
  text: string,
  column: string,
): z.infer<T> {
  const result = schema.safeParse(JSON.parse(text));
  if (!result.success) throw new Error(`corrupt JSON in column ${column}: ${result.error.message}`);
  return result.data;
}
