import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packDataset, uploadedDatasetSpec, type PackedDataset } from "@tlab/core/dataset-pack";
import { DEFAULT_TRAINING_OPTIONS } from "@tlab/core/experiment";
import { withPreprocessing } from "@tlab/core/layers-model-json";
import type { RunSpec } from "@tlab/core/run";
import { StrategyConfig } from "@tlab/core/strategy";
import { loadModelFromDir } from "../model/load-model-files";
import { readLayerInfo } from "../model/read-layer-info";
import { initBackend, tf } from "../tf/backend";
import { loadDatasetSplit } from "./load-dataset-split";
import { toModelInput } from "./model-input";
import { splitUploadedDataset } from "./uploaded-dataset";

const LENET_DIR = path.resolve(import.meta.dirname, "../../assets/base-models/lenet5-digits-0-4");

/** 3 classes of 4×4 grey images; image i of class c has every pixel equal to 10·c + i (so each is identifiable). */
function tinyDataset(perClass: number, testPerClass = 0): PackedDataset {
  const split = (per: number, offset: number) => {
    const count = 3 * per;
    const images = new Uint8Array(count * 16);
    const labels = new Uint16Array(count);
    for (let n = 0; n < count; n++) {
      const label = n % 3;
      labels[n] = label;
      images.fill(offset + 10 * label + Math.floor(n / 3), n * 16, (n + 1) * 16);
    }
    return { count, images, labels };
  };
  return {
    format: "imagefolder",
    height: 4,
    width: 4,
    channels: 1,
    classNames: ["a", "b", "c"],
    train: split(perClass, 0),
    test: testPerClass ? split(testPerClass, 100) : null,
  };
}

const budget = {
  trainPerClass: 4,
  validationFraction: 0.25,
  testPerClass: 2,
  seed: 7,
  inputShape: [4, 4, 1] as [number, number, number],
  preprocessing: { inputRange: [0, 1] as [number, number] },
};
const ids = (set: { xs: Float32Array; count: number }, pixels = 16) =>
  Array.from({ length: set.count }, (_, i) => Math.round(set.xs[i * pixels]! * 255));

describe("splitUploadedDataset", () => {
  it("is deterministic per seed, disjoint, and sized by the budget", () => {
    const dataset = tinyDataset(8);
    const a = splitUploadedDataset(dataset, budget);
    const b = splitUploadedDataset(dataset, budget);
    expect(ids(a.train)).toEqual(ids(b.train));
    expect([a.train.count, a.val.count, a.test.count]).toEqual([9, 3, 6]);
    const all = [...ids(a.train), ...ids(a.val), ...ids(a.test)];
    expect(new Set(all).size).toBe(all.length);
    // Labels follow the images: image value 10·c + i belongs to class c.
    for (const set of [a.train, a.val, a.test])
      ids(set).forEach((id, i) => {
        expect(Math.floor(id / 10)).toBe(set.labels[i]);
      });
    expect(ids(splitUploadedDataset(dataset, { ...budget, seed: 8 }).train)).not.toEqual(
      ids(a.train),
    );
    // The test set of a seed does not move when the training budget changes.
    expect(ids(splitUploadedDataset(dataset, { ...budget, trainPerClass: 2 }).test).sort()).toEqual(
      ids(a.test).sort(),
    );
  });

  it("takes the test set from the dataset's own test split, up to testPerClass per class", () => {
    const split = splitUploadedDataset(tinyDataset(5, 3), { ...budget, testPerClass: 10 });
    expect(split.test.count).toBe(9);
    expect(ids(split.test).every((id) => id >= 100)).toBe(true);
    expect([...ids(split.train), ...ids(split.val)].every((id) => id < 100)).toBe(true);
  });

  it("says which class is too small for the budget", () => {
    expect(() => splitUploadedDataset(tinyDataset(5), budget)).toThrow(
      /class "a" has 5 images but trainPerClass \(4\) \+ testPerClass \(2\) = 6/,
    );
  });
});

describe("toModelInput", () => {
  it("resizes, converts channels and maps values to the model's range", () => {
    // One 2×2 grey image: 0, 255 / 255, 0.
    const image = {
      data: Uint8Array.from([0, 255, 255, 0]),
      shape: [2, 2, 1] as [number, number, number],
      scale: 1 / 255,
    };
    expect(Array.from(toModelInput(image, [0], [2, 2, 1], { inputRange: [0, 1] }))).toEqual([
      0, 1, 1, 0,
    ]);
    expect(Array.from(toModelInput(image, [0], [2, 2, 3], { inputRange: [-1, 1] }))).toEqual([
      -1, -1, -1, 1, 1, 1, 1, 1, 1, -1, -1, -1,
    ]);
    const up = toModelInput(image, [0], [4, 4, 1], { inputRange: [0, 1] });
    expect(up[0]).toBe(0); // corners keep their values
    expect(up[3]).toBe(1);
    expect(up[5]).toBeCloseTo(0.375); // between: a bilinear mix
    const colour = {
      data: Uint8Array.from([255, 0, 0]),
      shape: [1, 1, 3] as [number, number, number],
      scale: 1 / 255,
    };
    expect(toModelInput(colour, [0], [1, 1, 1], { inputRange: [0, 1] })[0]).toBeCloseTo(0.299);
    expect(
      toModelInput(colour, [0], [1, 1, 3], { inputRange: [0, 1], mean: [0.5], std: [0.5] })[0],
    ).toBeCloseTo(1);
  });
});

describe("loadDatasetSplit", () => {
  let tmp: string;
  beforeAll(async () => {
    await initBackend("cpu");
    tmp = await mkdtemp(path.join(os.tmpdir(), "tlab-split-"));
  });
  afterAll(async () => rm(tmp, { recursive: true, force: true }));

  async function specFor(
    dataset: RunSpec["dataset"]["spec"],
    base: tf.LayersModel,
  ): Promise<RunSpec> {
    return {
      runId: "r",
      experimentId: "e",
      attempt: 1,
      seed: 3,
      strategy: StrategyConfig.parse({ kind: "frozen" }),
      epochs: 1,
      batchSize: 8,
      trainPerClass: 4,
      validationFraction: 0.25,
      testPerClass: 2,
      training: DEFAULT_TRAINING_OPTIONS,
      leaseMs: 60_000,
      baseModel: {
        id: "b",
        name: "lenet",
        inputShape: [28, 28, 1],
        layers: readLayerInfo(base),
        modelPath: "",
      },
      dataset: { id: "d", name: "tiny", spec: dataset, classNames: ["a", "b", "c"] },
    };
  }

  it("keeps MNIST as it is for a 28×28×1 model (same cache key as before) and converts it for others", async () => {
    const base = await loadModelFromDir(LENET_DIR);
    const spec = await specFor({ source: "mnist", classes: [5, 6] }, base);
    const split = await loadDatasetSplit(spec, { baseModel: base });
    expect(split.preprocessing).toBe("mnist-grey-28x28x1-unit-range/v1");
    expect(split.inputShape).toEqual([28, 28, 1]);
    expect(split.train.xs.length).toBe(split.train.count * 784);

    const rgb = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [14, 14, 3] })] });
    rgb.setUserDefinedMetadata(
      withPreprocessing({ modelTopology: {}, weightsManifest: [] }, { inputRange: [-1, 1] })
        .userDefinedMetadata!,
    );
    const converted = await loadDatasetSplit(spec, { baseModel: rgb });
    expect(converted.inputShape).toEqual([14, 14, 3]);
    expect(converted.train.xs.length).toBe(converted.train.count * 14 * 14 * 3);
    expect(Math.min(...converted.train.xs)).toBe(-1);
    expect(converted.preprocessing).toBe("mnist-grey-28x28x1-to-14x14x3-range[-1,1]/v1");
    base.dispose();
    rgb.dispose();
  });

  it("loads an uploaded dataset from its packed file at the model's input size", async () => {
    const base = await loadModelFromDir(LENET_DIR);
    const packed = packDataset(tinyDataset(8));
    const file = path.join(tmp, "tiny.tlds");
    await writeFile(file, packed);
    const spec = await specFor(await uploadedDatasetSpec(packed), base);
    const split = await loadDatasetSplit(spec, { baseModel: base, datasetFile: file });
    expect(split.classNames).toEqual(["a", "b", "c"]);
    expect(split.inputShape).toEqual([28, 28, 1]);
    expect([split.train.count, split.val.count, split.test.count]).toEqual([9, 3, 6]);
    expect(split.train.xs.length).toBe(9 * 784);
    expect(split.preprocessing).toBe("upload-4x4x1-to-28x28x1-range[0,1]/v1");
    await expect(loadDatasetSplit(spec, { baseModel: base })).rejects.toThrow(
      /must download its file first/,
    );
    base.dispose();
  });
});
