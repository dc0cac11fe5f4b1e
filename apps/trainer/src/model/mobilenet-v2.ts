import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import {
  parseBaseModelManifest,
  serializeBaseModelManifest,
  type BaseModelManifest,
  type ManifestPreprocessing,
} from "@tlab/core/base-model-manifest";
import { tf } from "../tf/backend";
import { loadModelFromFiles, type ModelJsonLike } from "./load-model-files";
import { WEIGHTS_FILE, type ModelFiles } from "./model-files";
import { readLayerInfo } from "./read-layer-info";

/**
 * The MobileNetV2 backbone shipped in the npm package `nsfwjs` (MIT): a Keras MobileNetV2 (alpha
 * 1.0, 224×224 RGB input) that nsfwjs trained, from ImageNet weights, to sort images into 5 classes
 * (drawing, hentai, neutral, porn, sexy). Its weights are stored as uint8-quantized values inside
 * JavaScript modules (base64), so they install with the package and nothing is fetched at run time.
 *
 * The base is everything up to `flatten_1`: the 7×7 average pooling of the last 1280-channel
 * feature map, flattened, i.e. a 1280-dimensional feature vector per image. nsfwjs's classifier
 * above it (dense_1 → dropout_2 → dense_2 → dropout_3 → dense_3) is cut off. Layer names are
 * Keras's own (Conv1, bn_Conv1, block_1_expand, ..., Conv_1, Conv_1_bn, out_relu), as every
 * tool that knows MobileNetV2 expects them.
 *
 * Input: RGB images resized (bilinear) to 224×224 and scaled to [0, 1] (pixel / 255), exactly as
 * nsfwjs feeds it; not the [-1, 1] scaling of the original Keras ImageNet release.
 */

export const MOBILENET_V2_NAME = "mobilenet-v2-nsfwjs";
export const MOBILENET_V2_INPUT_SHAPE: [number, number, number] = [224, 224, 3];
/** The last layer of the base: the pooled, flattened 1280 features. */
export const MOBILENET_V2_FEATURES_LAYER = "flatten_1";

/** How images must be prepared for this base (pixel / 255, no per-channel normalization); recorded in its manifest. */
export const MOBILENET_V2_PREPROCESSING = {
  resize: { height: 224, width: 224, method: "bilinear" },
  channels: "RGB",
  inputRange: [0, 1],
} satisfies ManifestPreprocessing;

interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; min?: number; scale?: number };
}

/** Where nsfwjs keeps this model: a model.json and one weights shard, each a UMD JS module. */
const MODEL_FILE = "dist/models/mobilenet_v2/model.min.js";
const SHARD_FILE = "dist/models/mobilenet_v2/group1-shard1of1.min.js";

/**
 * The full nsfwjs model as stored in the package: model.json and its single weights shard. The
 * files are required by path: nsfwjs's own loader wraps the 3.5 MB base64 string in an ES-module
 * namespace one property per character, which takes seconds.
 */
export async function readNsfwjsMobileNetV2(): Promise<{
  modelJson: ModelJsonLike;
  weights: Uint8Array;
}> {
  const { root } = nsfwjsPackage();
  const require = createRequire(import.meta.url);
  const modelJson = require(path.join(root, MODEL_FILE)) as ModelJsonLike;
  const base64 = require(path.join(root, SHARD_FILE)) as unknown;
  if (typeof base64 !== "string" || modelJson.weightsManifest?.length !== 1) {
    throw new Error(
      `nsfwjs ${MODEL_FILE} / ${SHARD_FILE} do not have the layout this loader knows (one base64 weights shard)`,
    );
  }
  return { modelJson, weights: new Uint8Array(Buffer.from(base64, "base64")) };
}

/** Loads nsfwjs's MobileNetV2 and returns the base: input → flatten_1 (1280 features). */
export async function buildMobileNetV2Base(): Promise<tf.LayersModel> {
  const { modelJson, weights } = await readNsfwjsMobileNetV2();
  return cutBase(await loadModelFromFiles(modelJson, weights));
}

function cutBase(full: tf.LayersModel): tf.LayersModel {
  return tf.model({
    name: "mobilenet_v2_base",
    inputs: full.inputs,
    outputs: full.getLayer(MOBILENET_V2_FEATURES_LAYER).output,
  });
}

export interface MobileNetV2BaseFiles extends ModelFiles {
  /** base-model.json, checked against the manifest schema. */
  manifest: BaseModelManifest;
  manifestText: string;
}

/**
 * The base as a base-model directory's files: model.json (the cut topology), weights.bin and the
 * base-model.json sidecar. The weights keep nsfwjs's uint8 quantization (one byte per value,
 * ≈ 2.3 MB instead of ≈ 9 MB as float32): the bytes of every kept weight are copied unchanged.
 */
export async function mobileNetV2BaseFiles(): Promise<MobileNetV2BaseFiles> {
  const { modelJson, weights } = await readNsfwjsMobileNetV2();
  const full = await loadModelFromFiles(modelJson, weights);
  try {
    const base = cutBase(full);
    const kept = new Set(base.weights.map((w) => w.originalName));
    const specs = modelJson.weightsManifest.flatMap((group) => group.weights) as WeightSpec[];
    const parts: Uint8Array[] = [];
    const keptSpecs: WeightSpec[] = [];
    let offset = 0;
    for (const spec of specs) {
      const bytes = spec.shape.reduce((a, b) => a * b, 1) * bytesPerValue(spec);
      if (kept.has(spec.name)) {
        parts.push(weights.subarray(offset, offset + bytes));
        keptSpecs.push(spec);
      }
      offset += bytes;
    }
    if (offset !== weights.byteLength)
      throw new Error(
        `nsfwjs MobileNetV2: the manifest describes ${offset} bytes, the shard has ${weights.byteLength}`,
      );
    if (keptSpecs.length !== kept.size)
      throw new Error(
        `nsfwjs MobileNetV2: ${kept.size - keptSpecs.length} weights of the base are missing from the manifest`,
      );
    const data = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
    let at = 0;
    for (const part of parts) {
      data.set(part, at);
      at += part.byteLength;
    }
    const layers = readLayerInfo(base);
    const removed = full.layers
      .slice(full.layers.indexOf(full.getLayer(MOBILENET_V2_FEATURES_LAYER)) + 1)
      .map((l) => l.name);
    const packageJson = nsfwjsPackage();
    const manifestText = serializeBaseModelManifest({
      name: MOBILENET_V2_NAME,
      description:
        "MobileNetV2 (Keras, alpha 1.0, 224×224 RGB) from the npm package nsfwjs, cut after flatten_1: " +
        "the average-pooled 1280 features of the last convolution. ImageNet-initialized, then trained by nsfwjs " +
        "on 5 image classes; its classifier (dense_1, dense_2, dense_3 and their dropout) is removed.",
      inputShape: [...MOBILENET_V2_INPUT_SHAPE],
      preprocessing: MOBILENET_V2_PREPROCESSING,
      layers,
      totalParams: layers.reduce((n, layer) => n + layer.paramCount, 0),
      source: {
        kind: "package",
        package: "nsfwjs",
        version: packageJson.version,
        license: packageJson.license,
        task: "nsfwjs 5-class image classification (drawing, hentai, neutral, porn, sexy), from ImageNet weights",
        cutAfter: MOBILENET_V2_FEATURES_LAYER,
        removed,
      },
    });
    const manifest = parseBaseModelManifest(manifestText);
    return {
      modelJson: {
        modelTopology: base.toJSON(undefined, false) as tf.io.ModelJSON["modelTopology"],
        format: "layers-model",
        generatedBy: `Transfer Lab from nsfwjs ${packageJson.version} (Keras ${String((modelJson.modelTopology as { keras_version?: unknown }).keras_version)})`,
        convertedBy: null,
        weightsManifest: [
          { paths: [WEIGHTS_FILE], weights: keptSpecs as tf.io.WeightsManifestEntry[] },
        ],
        // Where Transfer Lab reads a base's input preprocessing (see @tlab/core/layers-model-json):
        // nsfwjs feeds pixel / 255, i.e. the [0, 1] range, with no per-channel normalization.
        userDefinedMetadata: { tlab: { preprocessing: { inputRange: [0, 1] } } },
      },
      weights: data,
      manifest,
      manifestText,
    };
  } finally {
    full.dispose();
  }
}

/** nsfwjs's directory and package.json, found from its main file (package.json is not exported). */
function nsfwjsPackage(): { root: string; version: string; license: string } {
  let dir: string;
  try {
    dir = path.dirname(createRequire(import.meta.url).resolve("nsfwjs"));
  } catch (error) {
    throw new Error(
      `the MobileNetV2 base model comes from the npm package "nsfwjs", which is not installed (run npm install): ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  for (;;) {
    try {
      const json = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as {
        name?: string;
        version: string;
        license: string;
      };
      if (json.name === "nsfwjs")
        return { root: dir, version: json.version, license: json.license };
    } catch {
      // no package.json here; keep walking up
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error("could not find the package.json of nsfwjs");
    dir = parent;
  }
}

function bytesPerValue(spec: WeightSpec): number {
  const dtype = spec.quantization?.dtype ?? spec.dtype;
  const width = (
    { float32: 4, int32: 4, uint8: 1, uint16: 2, float16: 2, bool: 1 } as Record<string, number>
  )[dtype];
  if (width === undefined) throw new Error(`weight "${spec.name}" has unsupported dtype ${dtype}`);
  return width;
}
