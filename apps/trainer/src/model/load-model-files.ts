import { readFile } from "node:fs/promises";
import path from "node:path";
import { realConfinedPath } from "@tlab/storage/confined-path";
import { tf } from "../tf/backend";
import { MODEL_JSON_FILE } from "./model-files";

/** The parts of a model.json this loader relies on; anything parsed from JSON with them will do. */
export interface ModelJsonLike {
  modelTopology: unknown;
  weightsManifest: ReadonlyArray<{ paths: readonly string[]; weights: readonly unknown[] }>;
}

/**
 * Loads a tfjs LayersModel from a model.json and its weights already in memory (fetched from the
 * API, read from disk, embedded): tf.io.fromMemory, so tfjs never touches the network.
 *
 * `weights` is either every shard of the weightsManifest concatenated in manifest order (for the
 * usual single weights.bin, just that file), or a map from each shard path to its bytes.
 */
export async function loadModelFromFiles(
  modelJson: string | ModelJsonLike,
  weights: Uint8Array | Readonly<Record<string, Uint8Array>>,
): Promise<tf.LayersModel> {
  const json = (
    typeof modelJson === "string" ? JSON.parse(modelJson) : modelJson
  ) as Partial<ModelJsonLike>;
  if (json.modelTopology == null || !Array.isArray(json.weightsManifest)) {
    throw new Error(
      "model.json needs both modelTopology and weightsManifest (is this a tfjs LayersModel?)",
    );
  }
  const artifacts = await tf.io.getModelArtifactsForJSON(
    json as tf.io.ModelJSON,
    async (manifest) => {
      const specs = manifest.flatMap((group) => group.weights);
      const expectedBytes = specs.reduce((total, spec) => total + weightByteLength(spec), 0);
      const data = weights instanceof Uint8Array ? weights : joinShards(manifest, weights);
      if (data.byteLength !== expectedBytes) {
        throw new Error(
          `model.json describes ${expectedBytes} bytes of weights but ${data.byteLength} were provided`,
        );
      }
      // A copy that owns exactly these bytes: the input may be a view into a larger buffer (a Node
      // Buffer from readFile usually is, and Buffer#slice does not copy).
      return [specs, new Uint8Array(data).buffer];
    },
  );
  return tf.loadLayersModel(tf.io.fromMemory(artifacts));
}

/**
 * Reads `dir`/model.json and the weight files it lists, then loads the model. A weight path that
 * leads out of `dir` ("../x", an absolute path, a symbolic link out) is refused, not read.
 */
export async function loadModelFromDir(dir: string): Promise<tf.LayersModel> {
  const modelJson = JSON.parse(
    await readFile(path.join(dir, MODEL_JSON_FILE), "utf8"),
  ) as ModelJsonLike;
  const shards: Record<string, Uint8Array> = {};
  for (const group of modelJson.weightsManifest ?? []) {
    for (const shard of group.paths)
      shards[shard] = await readFile(
        await realConfinedPath(dir, shard, `${path.join(dir, MODEL_JSON_FILE)}: weight file`),
      );
  }
  return loadModelFromFiles(modelJson, shards);
}

function joinShards(
  manifest: tf.io.WeightsManifestConfig,
  shards: Readonly<Record<string, Uint8Array>>,
): Uint8Array {
  const parts = manifest.flatMap((group) =>
    group.paths.map((shard) => {
      const bytes = shards[shard];
      if (bytes === undefined) {
        throw new Error(
          `weights file "${shard}" listed in model.json was not provided (got: ${Object.keys(shards).join(", ") || "none"})`,
        );
      }
      return bytes;
    }),
  );
  const joined = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.byteLength;
  }
  return joined;
}

const BYTES_PER_VALUE: Record<string, number> = {
  float32: 4,
  int32: 4,
  bool: 1,
  uint8: 1,
  uint16: 2,
  float16: 2,
};

/** Stored size of one weight; quantized weights take their quantized width. */
function weightByteLength(spec: tf.io.WeightsManifestEntry): number {
  const values = spec.shape.reduce((a, b) => a * b, 1);
  const dtype = spec.quantization?.dtype ?? spec.dtype;
  const width = BYTES_PER_VALUE[dtype];
  if (width === undefined) throw new Error(`weight "${spec.name}" has unsupported dtype ${dtype}`);
  return values * width;
}
