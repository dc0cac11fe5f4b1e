import { z } from "zod";

/**
 * The name of a dataset or base model: it becomes a directory under DATA_DIR and a URL path
 * segment, so it is restricted to characters that are safe in both.
 */
export const CatalogName = z
  .string()
  .trim()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/,
    'use 1 to 100 letters, digits, ".", "_" or "-", starting with a letter or digit (e.g. "flowers-v2")',
  )
  .refine((name) => !name.includes(".."), 'must not contain ".."');

/** Why `raw` cannot be a catalog name (a message naming the field), or null when it can. */
export function catalogNameProblem(raw: string): string | null {
  const parsed = CatalogName.safeParse(raw);
  return parsed.success
    ? null
    : `name: "${raw}" is not a valid name: ${parsed.error.issues[0]?.message ?? "invalid"}`;
}

export const MAX_CATALOG_DESCRIPTION_LENGTH = 2000;

/** A dataset's or base model's description, shown in the dashboard. */
export const CatalogDescription = z
  .string()
  .trim()
  .max(
    MAX_CATALOG_DESCRIPTION_LENGTH,
    `description: at most ${MAX_CATALOG_DESCRIPTION_LENGTH} characters`,
  );

export const PromoteRunInput = z.object({
  runId: z.string().min(1, "runId: required").max(64, "runId: at most 64 characters"),
  name: CatalogName,
  description: CatalogDescription.optional(),
});
export type PromoteRunInput = z.infer<typeof PromoteRunInput>;

/** The layer a run's model is cut before when promoted: the head's classifier (see the trainer's head.ts). */
export const RUN_MODEL_CLASSIFIER_LAYER = "head_output";

/** URL path (relative to the API) where workers download an uploaded dataset's packed file. */
export function datasetDataPath(name: string): string {
  return `/api/datasets/${encodeURIComponent(name)}/data`;
}

/** A malformed option value (size, input range); the message starts with the option's name. */
export class InvalidOptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InvalidOptionError";
  }
}

/** Parses "HxW" (e.g. "28x28" or "224×224") into [height, width]. */
export function parseImageSize(text: string): [number, number] {
  const match = /^\s*(\d{1,5})\s*[x×X]\s*(\d{1,5})\s*$/.exec(text);
  const [height, width] = match ? [Number(match[1]), Number(match[2])] : [0, 0];
  if (!match || height < 1 || width < 1 || height > 4096 || width > 4096) {
    throw new InvalidOptionError(
      `size: "${text}" is not HxW with sides from 1 to 4096 (e.g. 28x28)`,
    );
  }
  return [height, width];
}

/** Parses "lo,hi" (e.g. "-1,1") into the input range a model expects its pixels in. */
export function parseInputRange(text: string): [number, number] {
  const parts = text.split(",").map((p) => Number(p.trim()));
  if (parts.length !== 2 || !parts.every(Number.isFinite) || parts[0]! >= parts[1]!) {
    throw new InvalidOptionError(
      `input range: "${text}" is not two increasing numbers "lo,hi" (e.g. "-1,1" or "0,255")`,
    );
  }
  return [parts[0]!, parts[1]!];
}
