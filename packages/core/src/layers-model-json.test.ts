import { describe, expect, it } from "vitest";
import {
  collectModelFiles,
  cutBeforeLayer,
  inspectLayersModel,
  ModelImportError,
  preprocessingOf,
  withPreprocessing,
} from "./layers-model-json";

const layer = (
  name: string,
  className: string,
  inbound: string | null,
  config: Record<string, unknown> = {},
) => ({
  name,
  class_name: className,
  config: { name, ...config },
  inbound_nodes: inbound ? [[[inbound, 0, 0, {}]]] : [],
});

/** input 4×4×1 → conv (2×2, 2 filters: 10 params) → flatten → fc (18→3: 57) → head_dropout → head_output (3→2: 8) → head_softmax */
function runModelJson(inputShape: unknown[] = [null, 4, 4, 1]) {
  return {
    format: "layers-model",
    modelTopology: {
      class_name: "Model",
      config: {
        name: "transfer_frozen",
        layers: [
          layer("input", "InputLayer", null, { batch_input_shape: inputShape }),
          layer("conv", "Conv2D", "input"),
          layer("flatten", "Flatten", "conv"),
          layer("fc", "Dense", "flatten"),
          layer("head_dropout", "Dropout", "fc"),
          layer("head_output", "Dense", "head_dropout"),
          layer("head_softmax", "Activation", "head_output"),
        ],
        input_layers: [["input", 0, 0]],
        output_layers: [["head_softmax", 0, 0]],
      },
    },
    weightsManifest: [
      {
        paths: ["group1-shard1of2.bin", "group1-shard2of2.bin"],
        weights: [
          { name: "conv/kernel", shape: [2, 2, 1, 2], dtype: "float32" },
          { name: "conv/bias", shape: [2], dtype: "float32" },
          { name: "fc/kernel", shape: [18, 3], dtype: "float32" },
          { name: "fc/bias", shape: [3], dtype: "float32" },
          { name: "head_output/kernel", shape: [3, 2], dtype: "float32" },
          { name: "head_output/bias", shape: [2], dtype: "float32" },
        ],
      },
    ],
  };
}
const TOTAL_BYTES = (10 + 57 + 8) * 4;
const sizes = (overrides: Record<string, number> = {}) =>
  new Map(
    Object.entries({
      "model.json": 100,
      "group1-shard1of2.bin": 200,
      "group1-shard2of2.bin": TOTAL_BYTES - 200,
      ...overrides,
    }),
  );

describe("inspectLayersModel", () => {
  it("reads the input shape, the layers without the input, and parameter counts from the manifest", () => {
    const inspection = inspectLayersModel(JSON.stringify(runModelJson()), sizes());
    expect(inspection.inputShape).toEqual([4, 4, 1]);
    expect(inspection.layers.map((l) => [l.name, l.className, l.paramCount])).toEqual([
      ["conv", "Conv2D", 10],
      ["flatten", "Flatten", 0],
      ["fc", "Dense", 57],
      ["head_dropout", "Dropout", 0],
      ["head_output", "Dense", 8],
      ["head_softmax", "Activation", 0],
    ]);
    expect(inspection.totalParams).toBe(75);
    expect(inspection.weightFiles).toEqual(["group1-shard1of2.bin", "group1-shard2of2.bin"]);
    expect(inspection.preprocessing).toEqual({ inputRange: [0, 1] });
  });

  it("names missing weight files and wrong sizes", () => {
    const missing = new Map([
      ["model.json", 1],
      ["group1-shard1of2.bin", 200],
    ]);
    expect(() => inspectLayersModel(runModelJson(), missing)).toThrow(ModelImportError);
    expect(() => inspectLayersModel(runModelJson(), missing)).toThrow(
      /missing: group1-shard2of2\.bin \(present: group1-shard1of2\.bin\)/,
    );
    expect(() => inspectLayersModel(runModelJson(), sizes({ "group1-shard2of2.bin": 4 }))).toThrow(
      /is 204 bytes but its manifest describes 300/,
    );
  });

  it("refuses what is not a LayersModel with a 4-D image input", () => {
    expect(() => inspectLayersModel("{not json", sizes())).toThrow(/model.json is not valid JSON/);
    expect(() => inspectLayersModel({ ...runModelJson(), format: "graph-model" }, sizes())).toThrow(
      /tfjs graph-model; only LayersModels/,
    );
    expect(() => inspectLayersModel({ modelTopology: {} }, sizes())).toThrow(
      /has no weightsManifest: not a tfjs LayersModel/,
    );
    expect(() => inspectLayersModel(runModelJson([null, 16]), sizes())).toThrow(
      /input is \[null, 16\]; a base model needs a 4-D image input/,
    );
    expect(() => inspectLayersModel(runModelJson([null, 4, 4, 2]), sizes())).toThrow(
      /1 or 3 channels/,
    );
  });

  it("records and reads preprocessing in userDefinedMetadata", () => {
    const json = withPreprocessing(runModelJson() as never, { inputRange: [-1, 1] });
    expect(preprocessingOf(json.userDefinedMetadata)).toEqual({ inputRange: [-1, 1] });
    expect(inspectLayersModel(json, sizes()).preprocessing).toEqual({ inputRange: [-1, 1] });
  });
});

describe("cutBeforeLayer", () => {
  it("cuts before the classifier, looking through dropout, and keeps exactly the kept weights' bytes", () => {
    const weights = Uint8Array.from({ length: TOTAL_BYTES }, (_, i) => i % 251);
    const cut = cutBeforeLayer(runModelJson(), weights, "head_output");
    expect(cut.outputLayer).toBe("fc");
    expect(cut.removedLayers).toEqual(["head_dropout", "head_output", "head_softmax"]);
    expect(cut.weights).toEqual(weights.subarray(0, (10 + 57) * 4));
    expect(cut.modelJson.weightsManifest).toEqual([
      { paths: ["weights.bin"], weights: runModelJson().weightsManifest[0]!.weights.slice(0, 4) },
    ]);
    const inspection = inspectLayersModel(
      cut.modelJson,
      new Map([["weights.bin", cut.weights.length]]),
    );
    expect(inspection.layers.map((l) => l.name)).toEqual(["conv", "flatten", "fc"]);
    expect(
      (cut.modelJson.modelTopology.config as { output_layers: unknown }).output_layers,
    ).toEqual([["fc", 0, 0]]);
  });

  it("names the layers when the classifier is not there", () => {
    expect(() => cutBeforeLayer(runModelJson(), new Uint8Array(TOTAL_BYTES), "logits")).toThrow(
      /no layer "logits" to cut before \(layers: input, conv/,
    );
  });
});

describe("collectModelFiles", () => {
  it("finds model.json inside a wrapping folder and the weight files beside it", async () => {
    const bytes = (text: string) => async () => new TextEncoder().encode(text);
    const files = await collectModelFiles([
      { path: "export/", isDirectory: true },
      {
        path: "export/model.json",
        isDirectory: false,
        read: bytes(JSON.stringify(runModelJson())),
      },
      { path: "export/group1-shard1of2.bin", isDirectory: false, read: bytes("a") },
      { path: "export/group1-shard2of2.bin", isDirectory: false, read: bytes("b") },
      { path: "export/notes.txt", isDirectory: false, read: bytes("ignored") },
      { path: "__MACOSX/export/._model.json", isDirectory: false, read: bytes("ignored") },
    ]);
    expect([...files.keys()].sort()).toEqual([
      "group1-shard1of2.bin",
      "group1-shard2of2.bin",
      "model.json",
    ]);
    await expect(
      collectModelFiles([{ path: "weights.bin", isDirectory: false, read: bytes("") }]),
    ).rejects.toThrow(/no model.json found \(got: weights.bin\)/);
  });
});
