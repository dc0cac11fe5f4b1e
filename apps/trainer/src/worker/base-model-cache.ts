import { createHash } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { confinedPath } from "@tlab/storage/confined-path";
import { isPlainFileName } from "@tlab/core/relative-path";
import type { RunSpec } from "@tlab/core/run";

const WeightsManifest = z.array(
  z.object({ paths: z.array(z.string()), weights: z.array(z.unknown()) }),
);
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
export async function fetchBaseModel(
  apiUrl: string,
  cacheDir: string,
  baseModel: RunSpec["baseModel"],
  token?: string,
): Promise<BaseModelFiles> {
  // Named by what the API sent: each must stay one folder or file under the cache.
  if (!isPlainFileName(baseModel.id))
    throw new Error(
      `base model ${baseModel.name}: the API sent "${baseModel.id}" as its id, which is not a plain name`,
    );
  const dir = confinedPath(path.join(cacheDir, "base-models"), baseModel.id, "base model id");
  const modelUrl = new URL(baseModel.modelPath, apiUrl);
  const modelJsonPath = path.join(dir, "model.json");
  if (!existsSync(modelJsonPath)) {
    await mkdir(dir, { recursive: true });
    const modelJsonText = await download(modelUrl, token);
    const parsed = ModelJson.parse(JSON.parse(modelJsonText.toString("utf8")));
    for (const file of parsed.weightsManifest.flatMap((g) => g.paths)) {
      if (!isPlainFileName(file))
        throw new Error(`base model ${baseModel.name}: bad weight file name "${file}"`);
      await writeAtomic(
        confinedPath(dir, file, "weight file"),
        await download(new URL(file, modelUrl), token),
      );
    }
    await writeAtomic(modelJsonPath, modelJsonText);
  }
  const modelJsonText = await readFile(modelJsonPath, "utf8");
  const weightFiles: Record<string, Uint8Array> = {};
  for (const file of ModelJson.parse(JSON.parse(modelJsonText)).weightsManifest.flatMap(
    (g) => g.paths,
  )) {
    weightFiles[file] = await readFile(
      confinedPath(dir, file, `base model ${baseModel.name}: weight file`),
    );
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
