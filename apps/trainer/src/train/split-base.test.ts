import { planLayerFreeze } from "@tlab/core/layer-plan";
import { StrategyConfig, type StrategyConfigInput } from "@tlab/core/strategy";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mulberry32, normalArray } from "../data/seeded-random";
import { readLayerInfo } from "../model/read-layer-info";
import { initBackend, tf } from "../tf/backend";
import { splitBase } from "./split-base";

/** conv → BN → ReLU6 → conv → BN → ReLU6 → pool → dense: a small base whose frozen part folds. */
function baseWithBatchNorm(): tf.LayersModel {
  const L = tf.layers;
  const input = tf.input({ shape: [10, 10, 3] });
  let x = input as tf.SymbolicTensor;
  for (const [i, filters] of [8, 12].entries()) {
    x = L.conv2d({
      name: `conv${i}`,
      filters,
      kernelSize: 3,
      padding: "same",
      useBias: false,
    }).apply(x) as tf.SymbolicTensor;
    x = L.batchNormalization({ name: `bn${i}` }).apply(x) as tf.SymbolicTensor;
    x = L.reLU({ name: `relu${i}`, maxValue: 6 }).apply(x) as tf.SymbolicTensor;
  }
  x = L.globalAveragePooling2d({ name: "gap" }).apply(x) as tf.SymbolicTensor;
  x = L.dense({ name: "fc", units: 6 }).apply(x) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: x });
  const random = mulberry32(5);
  for (const layer of model.layers) {
    const values = layer.weights.map((w) => {
      const size = w.shape.reduce((a: number, b) => a * (b ?? 1), 1);
      const positive = w.originalName.endsWith("variance") || w.originalName.endsWith("gamma");
      const data = positive
        ? Float32Array.from({ length: size }, () => 0.5 + random())
        : normalArray(size, random).map((v) => v * 0.3);
      return tf.tensor(data, w.shape as number[]);
    });
    if (values.length > 0) layer.setWeights(values);
    tf.dispose(values);
  }
  return model;
}

function split(base: tf.LayersModel, strategy: StrategyConfigInput) {
  return splitBase(base, planLayerFreeze(readLayerInfo(base), StrategyConfig.parse(strategy)));
}

describe("splitBase's frozen part", () => {
  let base: tf.LayersModel;
  beforeAll(async () => {
    await initBackend("wasm");
    base = baseWithBatchNorm();
  });
  afterAll(() => base.dispose());

  it("runs the layers below the cut through a folded plan, equal to the frozen model's predict", () => {
    const parts = split(base, { kind: "partial", cut: { by: "layer", layer: "relu1" } });
    const frozen = parts.frozenPart!;
    expect(frozen.model.outputs[0]!.shape).toEqual([null, 10, 10, 12]);
    expect(frozen.plan().stepLayers()).toEqual([
      ["conv0", "bn0", "relu0"],
      ["conv1", "bn1", "relu1"],
    ]);
    const x = tf.randomUniform([3, 10, 10, 3], 0, 1, "float32", 2);
    const expected = frozen.model.predict(x) as tf.Tensor;
    const actual = frozen.predict(x);
    const e = expected.dataSync();
    const a = actual.dataSync();
    expect(e.some((v) => v > 0)).toBe(true);
    expect(Math.max(...a.map((v, i) => Math.abs(v - e[i]!)))).toBeLessThan(1e-5);
    tf.dispose([x, expected, actual]);
    parts.release();
  });

  it("compiles its plan once, on first use, and release frees the plan's folded weights", () => {
    const before = tf.memory().numTensors;
    const parts = split(base, { kind: "frozen" });
    expect(tf.memory().numTensors).toBe(before); // nothing compiled yet (features may all come from the disk cache)
    const plan = parts.frozenPart!.plan();
    expect(parts.frozenPart!.plan()).toBe(plan);
    expect(plan.stats.foldedBatchNorms).toBe(2);
    expect(tf.memory().numTensors).toBeGreaterThan(before);
    parts.release();
    expect(tf.memory().numTensors).toBe(before);
  });
});
