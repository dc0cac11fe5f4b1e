import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  BaseModelManifestError,
  catalogSourceOf,
  parseBaseModelManifest,
  serializeBaseModelManifest,
  type BaseModelManifestInput,
} from "./base-model-manifest";

const layers = [
  { name: "conv", className: "Conv2D", paramCount: 10 },
  { name: "flatten", className: "Flatten", paramCount: 0 },
];
const base = {
  name: "tiny",
  description: "a test model",
  inputShape: [4, 4, 1],
  layers,
  totalParams: 10,
};

/** base-model.json files as Transfer Lab wrote them before the one schema, verbatim in shape. */
const LEGACY = {
  /** The shipped LeNet-5's: no source; the pretraining at the top level. */
  pretrained: {
    ...base,
    sourceTask: "5-way classification of MNIST digits 0–4",
    sourceTestAccuracy: 0.992,
    pretraining: {
      seed: 1,
      epochs: 12,
      batchSize: 32,
      learningRate: 0.001,
      maxShift: 2,
      trainImages: 4150,
      testImages: 750,
      backend: "wasm",
    },
  },
  /** `tlab build-base mobilenet-v2` before: a source object without kind, which servers refused. */
  buildBase: {
    ...base,
    sourceTask: "nsfwjs 5-class image classification",
    preprocessing: {
      resize: { height: 224, width: 224, method: "bilinear" },
      channels: "RGB",
      scale: "pixel / 255",
      range: [0, 1],
    },
    source: {
      package: "nsfwjs",
      version: "4.4.0",
      license: "MIT",
      cutAfter: "flatten_1",
      removed: ["dense_1", "dense_3"],
    },
  },
  imported: {
    ...base,
    source: "import",
    parentRunId: null,
    preprocessing: { inputRange: [-1, 1] },
  },
  promoted: { ...base, source: "run", parentRunId: "run-1", preprocessing: { inputRange: [0, 1] } },
  fixture: base,
};

describe("base-model.json: manifests already on disk still read", () => {
  it("reads the shipped LeNet-5's", () => {
    const file = path.resolve(
      import.meta.dirname,
      "../../../apps/trainer/assets/base-models/lenet5-digits-0-4/base-model.json",
    );
    const manifest = parseBaseModelManifest(readFileSync(file, "utf8"), file);
    expect(manifest.name).toBe("lenet5-digits-0-4");
    expect(manifest.layers.map((l) => l.name)).toEqual([
      "conv1",
      "pool1",
      "conv2",
      "pool2",
      "flatten",
      "fc1",
      "fc2",
    ]);
    expect(manifest.source).toMatchObject({ kind: "pretrained" });
    expect(catalogSourceOf(manifest.source)).toEqual({ source: "builtin", parentRunId: null });
  });

  it("turns each earlier form into the structured source", () => {
    expect(parseBaseModelManifest(LEGACY.pretrained).source).toEqual({
      kind: "pretrained",
      task: LEGACY.pretrained.sourceTask,
      testAccuracy: 0.992,
      settings: LEGACY.pretrained.pretraining,
    });
    const built = parseBaseModelManifest(LEGACY.buildBase);
    expect(built.source).toEqual({
      kind: "package",
      package: "nsfwjs",
      version: "4.4.0",
      license: "MIT",
      task: "nsfwjs 5-class image classification",
      cutAfter: "flatten_1",
      removed: ["dense_1", "dense_3"],
    });
    expect(built.preprocessing).toEqual({
      resize: { height: 224, width: 224, method: "bilinear" },
      channels: "RGB",
      inputRange: [0, 1],
    });
    expect(parseBaseModelManifest(LEGACY.imported).source).toEqual({ kind: "import" });
    expect(parseBaseModelManifest(LEGACY.promoted).source).toEqual({ kind: "run", runId: "run-1" });
    expect(parseBaseModelManifest(LEGACY.fixture).source).toEqual({ kind: "builtin" });
    expect(catalogSourceOf(parseBaseModelManifest(LEGACY.promoted).source)).toEqual({
      source: "run",
      parentRunId: "run-1",
    });
    expect(catalogSourceOf(parseBaseModelManifest(LEGACY.imported).source)).toEqual({
      source: "import",
      parentRunId: null,
    });
  });
});

describe("base-model.json: what writers write, readers read", () => {
  it("round-trips every kind of source unchanged", () => {
    const sources: BaseModelManifestInput["source"][] = [
      {
        kind: "pretrained",
        task: "digits 0-4",
        testAccuracy: 0.99,
        settings: LEGACY.pretrained.pretraining,
      },
      {
        kind: "package",
        package: "nsfwjs",
        version: "4.4.0",
        license: "MIT",
        task: "t",
        cutAfter: "flatten_1",
        removed: ["dense_1"],
      },
      { kind: "import" },
      { kind: "run", runId: "run-7" },
      { kind: "builtin" },
    ];
    for (const source of sources) {
      const text = serializeBaseModelManifest({ ...base, source });
      expect(parseBaseModelManifest(text)).toEqual({ ...base, source });
    }
  });

  it("names the field and what it allows when a manifest is wrong", () => {
    const problem = (value: unknown) => {
      try {
        parseBaseModelManifest(value, "data/base-models/x/base-model.json");
      } catch (error) {
        expect(error).toBeInstanceOf(BaseModelManifestError);
        return (error as Error).message;
      }
      throw new Error("expected the manifest to be refused");
    };
    expect(problem({ ...base, source: "zoo" })).toBe(
      'data/base-models/x/base-model.json: source.kind: must be one of "pretrained", "package", "import", "run", "builtin"',
    );
    expect(
      problem({
        ...base,
        source: {
          kind: "package",
          package: "nsfwjs",
          version: "",
          license: "MIT",
          cutAfter: "f",
          removed: [],
        },
      }),
    ).toBe("data/base-models/x/base-model.json: source.version: must not be empty");
    expect(problem({ ...base, source: { kind: "run" } })).toBe(
      "data/base-models/x/base-model.json: source.runId: required",
    );
    expect(problem({ ...base, inputShape: [4, 4] })).toMatch(
      /: inputShape: must be \[height, width, channels\]$/,
    );
    expect(problem({ ...base, name: "../up" })).toMatch(/: name: use 1 to 100 letters/);
    expect(
      problem({ ...base, layers: [{ name: "conv", className: "Conv2D", paramCount: -1 }] }),
    ).toMatch(/: layers\.0\.paramCount: must be 0 or more$/);
    expect(problem("{ not json")).toMatch(/^data\/base-models\/x\/base-model.json: not JSON/);
    expect(() =>
      serializeBaseModelManifest({ ...base, totalParams: 1.5, source: { kind: "import" } }),
    ).toThrow(/being written: totalParams: must be a whole number/);
  });
});
