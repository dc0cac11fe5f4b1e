import {
  collectModelFiles,
  inspectLayersModel,
  ModelImportError,
  parseModelJson,
  type ModelInspection,
} from "@tlab/core/layers-model-json";
import { folderEntries } from "../data/folder-entries";
import { loadModelFromFiles } from "./load-model-files";
import { readLayerInfo } from "./read-layer-info";

export interface ModelForImport {
  /** model.json and the weight files it lists, by file name: what gets uploaded. */
  files: Map<string, Uint8Array>;
  inspection: ModelInspection;
}

/**
 * Reads a tfjs LayersModel from a directory or .zip and validates it for import: the checks the
 * server also makes from the files alone (a LayersModel, every weight file present with the right
 * size, one 4-D image input), then a real load with tfjs (the tfjs backend must be initialised),
 * whose layer list and parameter counts must agree with the files'.
 */
export async function readModelForImport(source: string): Promise<ModelForImport> {
  const files = await collectModelFiles(await folderEntries(source));
  const modelJsonText = new TextDecoder().decode(files.get("model.json")!);
  const inspection = inspectLayersModel(
    modelJsonText,
    new Map([...files].map(([name, bytes]) => [name, bytes.length])),
  );
  const weights = Object.fromEntries([...files].filter(([name]) => name !== "model.json"));
  let model: Awaited<ReturnType<typeof loadModelFromFiles>>;
  try {
    model = await loadModelFromFiles(parseModelJson(modelJsonText), weights);
  } catch (error) {
    throw new ModelImportError(
      `TensorFlow.js cannot load this model: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  try {
    const loaded = readLayerInfo(model);
    const mismatch = loaded.find((layer, i) => {
      const recorded = inspection.layers[i];
      return !recorded || recorded.name !== layer.name || recorded.paramCount !== layer.paramCount;
    });
    if (mismatch || loaded.length !== inspection.layers.length) {
      const recorded = inspection.layers.find((l) => l.name === mismatch?.name);
      throw new ModelImportError(
        mismatch
          ? `model.json and the loaded model disagree on layer "${mismatch.name}": ${mismatch.paramCount} parameters loaded, ${recorded?.paramCount ?? "none"} in the weights manifest`
          : `model.json lists ${inspection.layers.length} layers but tfjs loaded ${loaded.length}`,
      );
    }
    const loadedShape = model.inputs[0]!.shape.slice(1).join();
    if (loadedShape !== inspection.inputShape.join()) {
      throw new ModelImportError(
        `the loaded model's input is [${loadedShape}] but model.json records [${inspection.inputShape.join(",")}]`,
      );
    }
  } finally {
    model.dispose();
  }
  return { files, inspection };
}
