import { mkdtemp, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseBaseModelManifest } from "@tlab/core/base-model-manifest";
import { preprocessingOf } from "@tlab/core/layers-model-json";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mulberry32 } from "../data/seeded-random";
import { initBackend, tf } from "../tf/backend";
import { loadModelFromDir } from "./load-model-files";
import {
  buildMobileNetV2Base,
  MOBILENET_V2_INPUT_SHAPE,
  mobileNetV2BaseFiles,
} from "./mobilenet-v2";
import { WEIGHTS_FILE, writeModelFiles } from "./model-files";
import { readLayerInfo } from "./read-layer-info";

let dir: string;
/** Loading the package's model takes seconds: one copy serves both tests. */
let base: tf.LayersModel;
beforeAll(async () => {
  await initBackend("wasm");
  dir = await mkdtemp(path.join(os.tmpdir(), "tlab-mobilenet-"));
  base = await buildMobileNetV2Base();
});
afterAll(async () => {
  base.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe("MobileNetV2 base from nsfwjs", () => {
  it("is Keras MobileNetV2 without its classifier: 224×224×3 in, 1280 pooled features out, Keras layer names", async () => {
    expect(base.inputs[0]!.shape).toEqual([null, ...MOBILENET_V2_INPUT_SHAPE]);
    expect(base.outputs[0]!.shape).toEqual([null, 1280]);
    const names = base.layers.map((l) => l.name);
    expect(names.slice(0, 4)).toEqual(["input_1", "Conv1_pad", "Conv1", "bn_Conv1"]);
    expect(names).toContain("block_16_project_BN");
    expect(names.slice(-4)).toEqual(["Conv_1_bn", "out_relu", "average_pooling2d_1", "flatten_1"]);
    expect(names.some((n) => n.startsWith("dense_") || n.startsWith("dropout_"))).toBe(false);
    // Keras reports 2,257,984 parameters for MobileNetV2(include_top=False, alpha=1.0).
    expect(base.countParams()).toBe(2_257_984);
  });

  it("written as a base-model directory, reloads to the same function with uint8 weights (≈2.3 MB)", async () => {
    const files = await mobileNetV2BaseFiles();
    await writeModelFiles(dir, files);
    expect((await stat(path.join(dir, WEIGHTS_FILE))).size).toBe(2_257_984);
    // base-model.json parses with the one manifest schema every server start reads it with.
    const manifest = parseBaseModelManifest(files.manifestText);
    expect(manifest).toEqual(files.manifest);
    expect(manifest).toMatchObject({
      name: "mobilenet-v2-nsfwjs",
      inputShape: [224, 224, 3],
      totalParams: 2_257_984,
      preprocessing: { inputRange: [0, 1] },
    });
    expect(manifest.layers).toEqual(readLayerInfo(base));
    expect(manifest.source).toMatchObject({
      kind: "package",
      package: "nsfwjs",
      license: "MIT",
      cutAfter: "flatten_1",
    });
    expect(manifest.source.kind === "package" && manifest.source.removed).toEqual([
      "dense_1",
      "dropout_2",
      "dense_2",
      "dropout_3",
      "dense_3",
    ]);

    expect(preprocessingOf(files.modelJson.userDefinedMetadata)).toEqual({ inputRange: [0, 1] });
    const reloaded = await loadModelFromDir(dir);
    const random = mulberry32(4);
    const image = tf.tensor4d(
      Float32Array.from({ length: 224 * 224 * 3 }, () => random()),
      [1, ...MOBILENET_V2_INPUT_SHAPE],
    );
    const [a, b] = [reloaded, base].map(
      (m) => (m.predict(image) as tf.Tensor).dataSync() as Float32Array,
    );
    expect(Array.from(a!)).toEqual(Array.from(b!));
    expect(a!.some((v) => v > 0)).toBe(true);
    tf.dispose(image);
    reloaded.dispose();
  });
});
