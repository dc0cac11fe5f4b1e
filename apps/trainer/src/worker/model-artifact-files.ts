import type { io } from "@tensorflow/tfjs-core";

/** Turns in-memory model artifacts into the standard tfjs layout: model.json + one weights.bin. */
export function toModelFiles(artifacts: io.ModelArtifacts): { "model.json": Buffer; "weights.bin": Buffer } {
  if (!artifacts.weightData || !artifacts.weightSpecs) throw new Error("trained model has no weights to save");
  const weightData = Array.isArray(artifacts.weightData)
    ? Buffer.concat(artifacts.weightData.map((b) => Buffer.from(b)))
    : Buffer.from(artifacts.weightData);
  const modelJson = {
    modelTopology: artifacts.modelTopology,
    format: artifacts.format ?? "layers-model",
    generatedBy: artifacts.generatedBy,
    convertedBy: null,
    weightsManifest: [{ paths: ["weights.bin"], weights: artifacts.weightSpecs }],
  };
  return { "model.json": Buffer.from(JSON.stringify(modelJson)), "weights.bin": weightData };
}
