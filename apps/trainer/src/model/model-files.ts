import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { BASE_MODEL_MANIFEST_FILE } from "@tlab/core/base-model-manifest";
import { tf } from "../tf/backend";

/**
 * A tfjs LayersModel as the two files tfjs itself writes and reads: `model.json` (topology plus a
 * weights manifest) and one `weights.bin`. Written by hand through a save handler, so no file:// IO
 * handler (that is, no tfjs-node) is needed.
 */

export const MODEL_JSON_FILE = "model.json";
export const WEIGHTS_FILE = "weights.bin";

export interface ModelFiles {
  modelJson: tf.io.ModelJSON;
  /** Contents of WEIGHTS_FILE, the file the manifest of `modelJson` points to. */
  weights: Uint8Array;
}

/** Captures a model's topology and current weights in memory. */
export async function serializeModel(model: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let captured: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      captured = artifacts;
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
  if (captured === undefined) throw new Error(`saving model "${model.name}" produced no artifacts`);
  return captured;
}

export function modelArtifactsToFiles(artifacts: tf.io.ModelArtifacts): ModelFiles {
  if (
    artifacts.modelTopology === undefined ||
    artifacts.weightSpecs === undefined ||
    artifacts.weightData === undefined
  ) {
    throw new Error(
      "model artifacts need a topology, weight specs and weight data to be written as files",
    );
  }
  const weightData = Array.isArray(artifacts.weightData)
    ? tf.io.CompositeArrayBuffer.join(artifacts.weightData)
    : artifacts.weightData;
  const modelJson: tf.io.ModelJSON = {
    modelTopology: artifacts.modelTopology,
    format: artifacts.format ?? "layers-model",
    generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version_layers}`,
    convertedBy: artifacts.convertedBy ?? null,
    weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs }],
    ...(artifacts.trainingConfig !== undefined ? { trainingConfig: artifacts.trainingConfig } : {}),
    ...(artifacts.userDefinedMetadata !== undefined
      ? { userDefinedMetadata: artifacts.userDefinedMetadata }
      : {}),
  };
  return { modelJson, weights: new Uint8Array(weightData) };
}

/** Writes model.json and weights.bin into `dir` (created if missing). */
export async function writeModelFiles(dir: string, files: ModelFiles): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, WEIGHTS_FILE), files.weights);
  await writeFile(path.join(dir, MODEL_JSON_FILE), JSON.stringify(files.modelJson));
}

/**
 * Writes a base-model directory: model.json and weights.bin, then base-model.json (from
 * serializeBaseModelManifest) last, since a server start registers a directory only once its
 * manifest is there.
 */
export async function writeBaseModelDir(
  dir: string,
  files: ModelFiles,
  manifestText: string,
): Promise<void> {
  await writeModelFiles(dir, files);
  await writeFile(path.join(dir, BASE_MODEL_MANIFEST_FILE), manifestText);
}
