import { createHash } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import type { RunSpec } from "@tlab/core/run";

const WeightsManifest = z.array(z.object({ paths: z.array(z.string()), weights: z.array(z.unknown()) }));
const ModelJson = z.object({ modelTopology: z.unknown(), weightsManifest: WeightsManifest });

export interface BaseModelFiles {
  modelJsonText: string;
  /** Each weight file listed in model.json, by its name there. */
  weightFiles: Record<string, Uint8Array>;
}

/**
 * Fetches a base model's model.json and weight files from the API and keeps them in a local
 * cache keyed by the base model id, so a worker on another host needs only the API URL and token.
 */
export async function fetchBaseModel(apiUrl: string, cacheDir: string, baseModel: RunSpec["baseModel"], token?: string): Promise<BaseModelFiles> {
  const dir = path.join(cacheDir, "base-models", baseModel.id);
  const modelUrl = new URL(baseModel.modelPath, apiUrl);
  const modelJsonPath = path.join(dir, "model.json");
  if (!existsSync(modelJsonPath)) {
    await mkdir(dir, { recursive: true });
    const modelJsonText = await download(modelUrl, token);
    const parsed = ModelJson.parse(JSON.parse(modelJsonText.toString("utf8")));
    for (const file of parsed.weightsManifest.flatMap((g) => g.paths)) {
      if (!/^[\w.-]+$/.test(file)) throw new Error(`base model ${baseModel.name}: bad weight file name "${file}"`);
      await writeAtomic(path.join(dir, file), await download(new URL(file, modelUrl), token));
    }
    await writeAtomic(modelJsonPath, modelJsonText);
  }
  const modelJsonText = await readFile(modelJsonPath, "utf8");
  const weightFiles: Record<string, Uint8Array> = {};
  for (const file of ModelJson.parse(JSON.parse(modelJsonText)).weightsManifest.flatMap((g) => g.paths)) {
    weightFiles[file] = await readFile(path.join(dir, file));
  }
  return { modelJsonText, weightFiles };
}

/** Model files are served to worker tokens (and signed-in users) only. */
async function download(url: URL, token: string | undefined): Promise<Buffer> {
  const response = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  if (!response.ok) throw new Error(`GET ${url.pathname}: HTTP ${response.status}`);
  return Buffer.from(await response.arrayBuffer());
}

async function writeAtomic(file: string, data: Buffer): Promise<void> {
  const tmp = `${file}.${process.pid}.${createHash("sha1").update(String(Math.random())).digest("hex").slice(0, 8)}.tmp`;
  await writeFile(tmp, data);
  await rename(tmp, file);
}
