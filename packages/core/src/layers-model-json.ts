import { z } from "zod";
import type { LayerInfo } from "./layer-plan";
import { isPlainFileName, PLAIN_FILE_NAME_RULE } from "./relative-path";

/**
 * Reading and reshaping a tfjs LayersModel from its files alone (model.json + weight shards),
 * without TensorFlow.js: the web server validates uploads and promotes runs with this, and the
 * CLI cross-checks it against the model tfjs actually loads.
 */

export class ModelImportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ModelImportError";
  }
}

/**
 * How images become model input, recorded with the model (model.json `userDefinedMetadata.tlab`)
 * so it travels with the files to every worker: pixels scaled from [0, 1] to `inputRange`, then,
 * if given, `(x - mean[c]) / std[c]` per channel.
 */
export const InputPreprocessing = z.object({
  inputRange: z.tuple([z.number(), z.number()]).default([0, 1]),
  mean: z.array(z.number()).min(1).max(3).optional(),
  std: z.array(z.number().positive()).min(1).max(3).optional(),
});
export type InputPreprocessing = z.infer<typeof InputPreprocessing>;
export const DEFAULT_PREPROCESSING: InputPreprocessing = { inputRange: [0, 1] };
const TlabMetadata = z
  .object({ tlab: z.object({ preprocessing: InputPreprocessing.optional() }).partial().optional() })
  .passthrough();

/** The preprocessing recorded in a model's userDefinedMetadata, or the default ([0, 1] pixels). */
export function preprocessingOf(userDefinedMetadata: unknown): InputPreprocessing {
  const parsed = TlabMetadata.safeParse(userDefinedMetadata ?? {});
  return (parsed.success && parsed.data.tlab?.preprocessing) || DEFAULT_PREPROCESSING;
}

/** A short stable description, part of feature cache keys and shown to users. */
export function describePreprocessing(p: InputPreprocessing): string {
  const range = `range[${p.inputRange.join(",")}]`;
  return p.mean || p.std
    ? `${range}-mean[${(p.mean ?? []).join(",")}]-std[${(p.std ?? []).join(",")}]`
    : range;
}

const WeightSpec = z
  .object({
    name: z.string(),
    shape: z.array(z.number().int().min(0)),
    dtype: z.string(),
    quantization: z.object({ dtype: z.string() }).passthrough().optional(),
  })
  .passthrough();
type WeightSpec = z.infer<typeof WeightSpec>;
const WeightsGroup = z.object({ paths: z.array(z.string()), weights: z.array(WeightSpec) });
const ModelJson = z
  .object({
    format: z.string().optional(),
    modelTopology: z.record(z.string(), z.unknown()),
    weightsManifest: z.array(WeightsGroup),
    userDefinedMetadata: z.record(z.string(), z.unknown()).optional(),
  })
  .passthrough();
export type LayersModelJson = z.infer<typeof ModelJson>;

const LayerConfig = z
  .object({
    name: z.string().optional(),
    class_name: z.string(),
    config: z.record(z.string(), z.unknown()).default({}),
    inbound_nodes: z.array(z.unknown()).optional(),
  })
  .passthrough();
type LayerConfig = z.infer<typeof LayerConfig>;

export interface ModelInspection {
  /** [height, width, channels] of the single image input. */
  inputShape: [number, number, number];
  layers: LayerInfo[];
  totalParams: number;
  /** Every weight file model.json lists, in manifest order. */
  weightFiles: string[];
  preprocessing: InputPreprocessing;
}

export function parseModelJson(text: string | unknown): LayersModelJson {
  let raw: unknown = text;
  if (typeof text === "string") {
    try {
      raw = JSON.parse(text);
    } catch (error) {
      throw new ModelImportError(
        `model.json is not valid JSON (${error instanceof Error ? error.message : String(error)})`,
      );
    }
  }
  const format = (raw as { format?: unknown } | null)?.format;
  if (typeof format === "string" && format !== "layers-model") {
    throw new ModelImportError(
      `model.json is a tfjs ${format}; only LayersModels (format "layers-model", e.g. converted from Keras) can be imported`,
    );
  }
  const parsed = ModelJson.safeParse(raw);
  if (!parsed.success) {
    const missing = ["modelTopology", "weightsManifest"].filter(
      (key) => !(raw && typeof raw === "object" && key in raw),
    );
    throw new ModelImportError(
      missing.length > 0
        ? `model.json has no ${missing.join(" and no ")}: not a tfjs LayersModel`
        : `model.json does not look like a tfjs LayersModel: ${parsed.error.issues
            .map((i) => `${i.path.join(".")}: ${i.message}`)
            .slice(0, 3)
            .join("; ")}`,
    );
  }
  // Weight files sit beside model.json; a path into another folder ("../x", "/x") is never read.
  for (const file of parsed.data.weightsManifest.flatMap((group) => group.paths)) {
    if (!isPlainFileName(file)) {
      throw new ModelImportError(
        `model.json lists the weight file ${JSON.stringify(file)}, which is not a plain file name beside model.json (${PLAIN_FILE_NAME_RULE})`,
      );
    }
  }
  return parsed.data;
}

/**
 * Validates a LayersModel's files and reads what the catalog records: a LayersModel topology
 * (functional or sequential), every weight file listed present with the size its manifest
 * implies, exactly one 4-D image input [batch, height, width, 1 or 3], and the layers (input
 * layers left out) with their parameter counts.
 */
export function inspectLayersModel(
  modelJsonText: string | unknown,
  fileSizes: ReadonlyMap<string, number>,
): ModelInspection {
  const json = parseModelJson(modelJsonText);
  const { className, config } = topologyOf(json);
  const layers = layerConfigs(className, config);
  const inputShape = imageInputShape(className, config, layers);

  const weightFiles = json.weightsManifest.flatMap((group) => group.paths);
  const missing = weightFiles.filter((file) => !fileSizes.has(file));
  if (missing.length > 0) {
    const present = [...fileSizes.keys()].filter((f) => f !== "model.json");
    throw new ModelImportError(
      `weight file(s) listed in model.json are missing: ${missing.join(", ")} (present: ${present.join(", ") || "none"})`,
    );
  }
  for (const [index, group] of json.weightsManifest.entries()) {
    const expected = group.weights.reduce((n, spec) => n + weightByteLength(spec), 0);
    const actual = group.paths.reduce((n, file) => n + fileSizes.get(file)!, 0);
    if (expected !== actual) {
      throw new ModelImportError(
        `weights group ${index} (${group.paths.join(", ")}) is ${actual} bytes but its manifest describes ${expected}`,
      );
    }
  }

  const names = layers.map(layerName);
  const params = new Map<string, number>(names.map((n) => [n, 0]));
  for (const spec of json.weightsManifest.flatMap((group) => group.weights)) {
    const owner = ownerLayer(spec.name, names);
    if (owner === undefined)
      throw new ModelImportError(`weight "${spec.name}" does not belong to any layer of the model`);
    params.set(owner, params.get(owner)! + spec.shape.reduce((a, b) => a * b, 1));
  }
  const layerInfo = layers
    .filter((layer) => layer.class_name !== "InputLayer")
    .map((layer) => ({
      name: layerName(layer),
      className: layer.class_name,
      paramCount: params.get(layerName(layer))!,
    }));
  if (layerInfo.length === 0)
    throw new ModelImportError("the model has no layers besides its input");
  return {
    inputShape,
    layers: layerInfo,
    totalParams: layerInfo.reduce((n, l) => n + l.paramCount, 0),
    weightFiles,
    preprocessing: preprocessingOf(json.userDefinedMetadata),
  };
}

/** Records the preprocessing in model.json's userDefinedMetadata (keeping anything else there). */
export function withPreprocessing(
  json: LayersModelJson,
  preprocessing: InputPreprocessing,
): LayersModelJson {
  const metadata = { ...(json.userDefinedMetadata ?? {}) };
  const tlab =
    typeof metadata.tlab === "object" && metadata.tlab !== null
      ? (metadata.tlab as Record<string, unknown>)
      : {};
  return { ...json, userDefinedMetadata: { ...metadata, tlab: { ...tlab, preprocessing } } };
}

export interface CutModel {
  modelJson: LayersModelJson;
  /** The one weights file the new manifest lists. */
  weights: Uint8Array;
  /** The layer whose output is the new model's output. */
  outputLayer: string;
  removedLayers: string[];
}

/**
 * Cuts a functional model before `classifier`: the new output is the classifier's input (looking
 * through Dropout layers, which only matter in training), and every layer that does not feed it
 * is removed with its weights. `weights` is every shard in manifest order, concatenated.
 */
export function cutBeforeLayer(
  modelJsonText: string | unknown,
  weights: Uint8Array,
  classifier: string,
  weightsFile = "weights.bin",
): CutModel {
  const json = parseModelJson(modelJsonText);
  const { className, config } = topologyOf(json);
  if (className === "Sequential")
    throw new ModelImportError("cutting needs a functional model; this one is Sequential");
  const layers = layerConfigs(className, config);
  const byName = new Map(layers.map((layer) => [layerName(layer), layer]));
  const head = byName.get(classifier);
  if (!head)
    throw new ModelImportError(
      `the model has no layer "${classifier}" to cut before (layers: ${[...byName.keys()].join(", ")})`,
    );
  let output = singleInbound(head);
  while (byName.get(output)?.class_name === "Dropout") output = singleInbound(byName.get(output)!);

  const keep = new Set<string>();
  const visit = (name: string) => {
    if (keep.has(name)) return;
    const layer = byName.get(name);
    if (!layer)
      throw new ModelImportError(`layer "${name}" is referenced but not defined in model.json`);
    keep.add(name);
    for (const inbound of inboundNames(layer)) visit(inbound);
  };
  visit(output);

  const kept: WeightSpec[] = [];
  const parts: Uint8Array[] = [];
  let offset = 0;
  const names = [...byName.keys()];
  for (const spec of json.weightsManifest.flatMap((group) => group.weights)) {
    const size = weightByteLength(spec);
    if (offset + size > weights.length)
      throw new ModelImportError(
        `the weights are ${weights.length} bytes, shorter than model.json describes`,
      );
    const owner = ownerLayer(spec.name, names);
    if (owner !== undefined && keep.has(owner)) {
      kept.push(spec);
      parts.push(weights.subarray(offset, offset + size));
    }
    offset += size;
  }
  if (offset !== weights.length)
    throw new ModelImportError(
      `the weights are ${weights.length} bytes but model.json describes ${offset}`,
    );
  const joined = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    joined.set(part, at);
    at += part.length;
  }

  const newConfig = {
    ...config,
    layers: (config.layers as unknown[]).filter((_, i) => keep.has(layerName(layers[i]!))),
    output_layers: [[output, 0, 0]],
  };
  const topology = json.modelTopology;
  const modelTopology =
    "model_config" in topology
      ? {
          ...topology,
          model_config: {
            ...(topology.model_config as Record<string, unknown>),
            config: newConfig,
          },
        }
      : { ...topology, config: newConfig };
  return {
    modelJson: {
      ...json,
      modelTopology,
      weightsManifest: [{ paths: [weightsFile], weights: kept }],
    },
    weights: joined,
    outputLayer: output,
    removedLayers: names.filter((name) => !keep.has(name)),
  };
}

function topologyOf(json: LayersModelJson): { className: string; config: Record<string, unknown> } {
  // Keras-converted files wrap the model in { keras_version, backend, model_config }.
  const topology = (json.modelTopology.model_config ?? json.modelTopology) as {
    class_name?: unknown;
    config?: unknown;
  };
  const className = typeof topology.class_name === "string" ? topology.class_name : "";
  if (!["Model", "Functional", "Sequential"].includes(className)) {
    throw new ModelImportError(
      `modelTopology is a "${className || "?"}", not a LayersModel (Model, Functional or Sequential)`,
    );
  }
  const config = Array.isArray(topology.config) ? { layers: topology.config } : topology.config;
  if (
    typeof config !== "object" ||
    config === null ||
    !Array.isArray((config as { layers?: unknown }).layers)
  ) {
    throw new ModelImportError("modelTopology.config has no layer list");
  }
  return { className, config: config as Record<string, unknown> };
}

function layerConfigs(className: string, config: Record<string, unknown>): LayerConfig[] {
  return (config.layers as unknown[]).map((raw, i) => {
    const parsed = LayerConfig.safeParse(raw);
    if (!parsed.success)
      throw new ModelImportError(
        `layer ${i} of modelTopology is malformed (needs class_name and config)`,
      );
    if (className !== "Sequential" && layerName(parsed.data) === "")
      throw new ModelImportError(`layer ${i} of modelTopology has no name`);
    return parsed.data;
  });
}

function layerName(layer: LayerConfig): string {
  return layer.name ?? (typeof layer.config.name === "string" ? layer.config.name : "");
}

function imageInputShape(
  className: string,
  config: Record<string, unknown>,
  layers: LayerConfig[],
): [number, number, number] {
  let shape: unknown;
  if (className === "Sequential") {
    const first = layers[0];
    shape =
      first?.config.batch_input_shape ??
      first?.config.batch_shape ??
      (first?.config.input_shape ? [null, ...(first.config.input_shape as unknown[])] : undefined);
  } else {
    const inputs =
      (config.input_layers as unknown[] | undefined) ??
      layers.filter((l) => l.class_name === "InputLayer").map((l) => [layerName(l)]);
    if (inputs.length !== 1)
      throw new ModelImportError(
        `the model has ${inputs.length} inputs; a base model needs exactly one image input`,
      );
    const name = (inputs[0] as unknown[])[0];
    const input = layers.find((l) => layerName(l) === name);
    shape = input?.config.batch_input_shape ?? input?.config.batch_shape;
  }
  if (!Array.isArray(shape))
    throw new ModelImportError(
      "the model's input shape is not recorded in model.json (batch_input_shape)",
    );
  const dims = shape.slice(1);
  const shown = `[${shape.map((d) => (d === null ? "null" : String(d))).join(", ")}]`;
  if (
    dims.length !== 3 ||
    !dims.every((d) => typeof d === "number" && Number.isInteger(d) && d > 0)
  ) {
    throw new ModelImportError(
      `the model's input is ${shown}; a base model needs a 4-D image input [batch, height, width, channels] with known sizes`,
    );
  }
  const [height, width, channels] = dims as [number, number, number];
  if (channels !== 1 && channels !== 3)
    throw new ModelImportError(
      `the model's input is ${shown}: images must have 1 or 3 channels (channels last)`,
    );
  return [height, width, channels];
}

/** The weight's layer: the longest layer name that prefixes it as `<layer>/`. */
function ownerLayer(weightName: string, layerNames: readonly string[]): string | undefined {
  let best: string | undefined;
  for (const name of layerNames) {
    if (weightName.startsWith(`${name}/`) && (best === undefined || name.length > best.length))
      best = name;
  }
  return best;
}

function inboundNames(layer: LayerConfig): string[] {
  const names: string[] = [];
  const walk = (node: unknown) => {
    if (!Array.isArray(node)) return;
    if (typeof node[0] === "string") names.push(node[0]);
    else for (const child of node) walk(child);
  };
  walk(layer.inbound_nodes ?? []);
  return names;
}

function singleInbound(layer: LayerConfig): string {
  const inbound = [...new Set(inboundNames(layer))];
  if (inbound.length !== 1)
    throw new ModelImportError(
      `layer "${layerName(layer)}" has ${inbound.length} inputs; can only cut before a layer with one`,
    );
  return inbound[0]!;
}

const BYTES_PER_VALUE: Record<string, number> = {
  float32: 4,
  int32: 4,
  bool: 1,
  uint8: 1,
  uint16: 2,
  float16: 2,
  string: 0,
};

/** Stored size of one weight; quantized weights take their quantized width. */
export function weightByteLength(spec: {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string };
}): number {
  const dtype = spec.quantization?.dtype ?? spec.dtype;
  const width = BYTES_PER_VALUE[dtype];
  if (width === undefined || width === 0)
    throw new ModelImportError(`weight "${spec.name}" has unsupported dtype ${dtype}`);
  return spec.shape.reduce((a, b) => a * b, 1) * width;
}

/** A file of an uploaded directory or zip (see FolderEntry in image-folder.ts). */
interface ModelFileEntry {
  path: string;
  isDirectory: boolean;
  read?: () => Promise<Uint8Array>;
}

/**
 * Picks a model's files out of a directory listing or zip: the one model.json (anywhere, e.g.
 * inside a wrapping folder) and the weight files its manifest lists, from the same folder.
 * Returns them by plain file name; missing weight files are left for inspectLayersModel to report.
 */
export async function collectModelFiles(
  entries: readonly ModelFileEntry[],
): Promise<Map<string, Uint8Array>> {
  const visible = entries.filter(
    (e) =>
      !e.isDirectory &&
      e.read &&
      !e.path.split(/[\\/]/).some((s) => s.startsWith(".") || s === "__MACOSX"),
  );
  const candidates = visible.filter((e) => basename(e.path) === "model.json");
  if (candidates.length === 0)
    throw new ModelImportError(
      `no model.json found (got: ${
        visible
          .slice(0, 10)
          .map((e) => e.path)
          .join(", ") || "no files"
      })`,
    );
  if (candidates.length > 1)
    throw new ModelImportError(
      `more than one model.json found: ${candidates.map((e) => e.path).join(", ")}; upload one model at a time`,
    );
  const modelEntry = candidates[0]!;
  const folder = dirname(modelEntry.path);
  const modelJson = await modelEntry.read!();
  const files = new Map<string, Uint8Array>([["model.json", modelJson]]);
  const json = parseModelJson(new TextDecoder().decode(modelJson));
  const inFolder = new Map(
    visible.filter((e) => dirname(e.path) === folder).map((e) => [basename(e.path), e]),
  );
  for (const file of json.weightsManifest.flatMap((group) => group.paths)) {
    const entry = inFolder.get(file);
    if (entry && !files.has(file)) files.set(file, await entry.read!());
  }
  return files;
}

function basename(p: string): string {
  const parts = p.split(/[\\/]/).filter(Boolean);
  return parts[parts.length - 1] ?? "";
}

function dirname(p: string): string {
  const parts = p.split(/[\\/]/).filter(Boolean);
  return parts.slice(0, -1).join("/");
}
