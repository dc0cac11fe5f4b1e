import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mulberry32, normalArray } from "../data/seeded-random";
import { initBackend, tf } from "../tf/backend";
import { describeInferencePlan, InferencePlan } from "./inference-plan";
import { buildLenet5Classifier, lenet5Base, LENET5_INPUT_SHAPE } from "./lenet5";
import { buildMobileNetV2Base, MOBILENET_V2_INPUT_SHAPE } from "./mobilenet-v2";

/**
 * The plan must compute what layer-by-layer model.predict computes, up to float32 rounding (the
 * folds reorder a few multiplications), on the backends the trainer runs: wasm and the pure-JS cpu
 * backend as reference. Model weights are made on wasm; tfjs moves them when cpu reads them.
 */

const BACKENDS = ["wasm", "cpu"] as const;

beforeAll(async () => {
  await initBackend("cpu");
  await initBackend("wasm");
});

let seed = 1;
function randomInput(shape: number[], scale = 1): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    normalArray(size, mulberry32(seed++)).map((v) => v * scale),
    shape,
  );
}

/** Max |plan − predict| relative to the output's magnitude; also checks the shapes agree. */
function planError(model: tf.LayersModel, plan: InferencePlan, x: tf.Tensor): number {
  const expected = model.predict(x) as tf.Tensor;
  const actual = plan.predict(x);
  try {
    expect(actual.shape).toEqual(expected.shape);
    const e = expected.dataSync();
    const a = actual.dataSync();
    let worst = 0;
    let scale = 1;
    for (let i = 0; i < e.length; i++) {
      worst = Math.max(worst, Math.abs(a[i]! - e[i]!));
      scale = Math.max(scale, Math.abs(e[i]!));
    }
    expect(
      e.some((v) => v !== 0),
      "a model output that is all zeros proves nothing",
    ).toBe(true);
    return worst / scale;
  } finally {
    tf.dispose([expected, actual]);
  }
}

/** Random weights everywhere, with BatchNormalization statistics far from the identity. */
function randomizeWeights(model: tf.LayersModel, random = mulberry32(99)): void {
  for (const layer of model.layers) {
    const values = layer.weights.map((w) => {
      const size = w.shape.reduce((a: number, b) => a * (b ?? 1), 1);
      const name = w.originalName;
      const uniform = (lo: number, hi: number) =>
        Float32Array.from({ length: size }, () => lo + (hi - lo) * random());
      const data = name.endsWith("gamma")
        ? uniform(0.5, 1.5)
        : name.endsWith("moving_variance")
          ? uniform(0.3, 2)
          : normalArray(size, random).map((v) => v * (name.endsWith("kernel") ? 0.4 : 0.2));
      return tf.tensor(data, w.shape as number[]);
    });
    if (values.length > 0) layer.setWeights(values);
    tf.dispose(values);
  }
}

function weightValues(model: tf.LayersModel): Buffer[] {
  return model.weights.map((w) =>
    Buffer.from(Float32Array.from(w.read().dataSync() as Float32Array).buffer),
  );
}

/** Names of the weights whose bytes differ (compared as bytes: deep equality of 2M floats is slow). */
function changedWeights(model: tf.LayersModel, before: Buffer[]): string[] {
  const after = weightValues(model);
  return model.weights.filter((_, i) => !after[i]!.equals(before[i]!)).map((w) => w.originalName);
}

/**
 * Every case the compiler distinguishes, in one graph: a conv → BN → ReLU(6) chain (fold and fuse),
 * a ZeroPadding2D that is not 'same' (stays a pad), a depthwise convolution with channel
 * multiplier 2 (fold layout), a conv whose raw output is read twice (its BN must not fold), a
 * dilated conv followed by a non-fusable activation, an unknown layer (fallback), a ZeroPadding2D
 * that is 'same' for its strided conv (folded into it), a BN after pooling, Dropout, and
 * dense → BN → relu6.
 */
function syntheticModel(): tf.LayersModel {
  const L = tf.layers;
  const input = tf.input({ shape: [12, 12, 3], name: "image" });
  const bn = (name: string) => L.batchNormalization({ name, epsilon: 1e-3 });
  const apply = (layer: tf.layers.Layer, x: tf.SymbolicTensor | tf.SymbolicTensor[]) =>
    layer.apply(x) as tf.SymbolicTensor;
  let x = apply(L.conv2d({ name: "c1", filters: 8, kernelSize: 3, padding: "same" }), input);
  x = apply(bn("b1"), x);
  x = apply(L.reLU({ name: "r1", maxValue: 6 }), x);
  x = apply(
    L.zeroPadding2d({
      name: "pad_odd",
      padding: [
        [2, 0],
        [1, 1],
      ],
    }),
    x,
  );
  x = apply(
    L.depthwiseConv2d({
      name: "d1",
      kernelSize: 3,
      strides: 2,
      depthMultiplier: 2,
      padding: "valid",
      useBias: true,
    }),
    x,
  );
  x = apply(bn("b2"), x);
  x = apply(L.activation({ name: "r2", activation: "relu" }), x);
  const shared = apply(
    L.conv2d({ name: "c2_shared", filters: 16, kernelSize: 1, useBias: false }),
    x,
  );
  const normalized = apply(bn("b3_unfolded"), shared);
  x = apply(L.add({ name: "merge" }), [shared, normalized]);
  x = apply(
    L.conv2d({ name: "c3_dilated", filters: 16, kernelSize: 3, padding: "same", dilationRate: 2 }),
    x,
  );
  x = apply(L.activation({ name: "tanh", activation: "tanh" }), x);
  x = apply(L.upSampling2d({ name: "upsample", size: [2, 2] }), x);
  x = apply(
    L.zeroPadding2d({
      name: "pad_same",
      padding: [
        [0, 1],
        [0, 1],
      ],
    }),
    x,
  );
  x = apply(
    L.conv2d({
      name: "c4",
      filters: 8,
      kernelSize: 3,
      strides: 2,
      padding: "valid",
      useBias: false,
    }),
    x,
  );
  x = apply(L.maxPooling2d({ name: "pool", poolSize: 2 }), x);
  x = apply(bn("b4_after_pool"), x);
  x = apply(L.globalAveragePooling2d({ name: "gap" }), x);
  x = apply(L.dropout({ name: "drop", rate: 0.5 }), x);
  x = apply(L.dense({ name: "fc", units: 10 }), x);
  x = apply(bn("b5"), x);
  x = apply(L.activation({ name: "r5", activation: "relu6" }), x);
  const model = tf.model({ name: "synthetic", inputs: input, outputs: x });
  randomizeWeights(model);
  return model;
}

/** Layouts the plan leaves to the layers: channelsFirst, a BN off the last axis, a dilated depthwise. */
function unsupportedLayoutsModel(): tf.LayersModel {
  const L = tf.layers;
  const input = tf.input({ shape: [4, 10, 10], name: "chw" });
  let x = L.conv2d({
    name: "conv_chw",
    filters: 6,
    kernelSize: 3,
    padding: "same",
    dataFormat: "channelsFirst",
  }).apply(input) as tf.SymbolicTensor;
  x = L.batchNormalization({ name: "bn_axis1", axis: 1 }).apply(x) as tf.SymbolicTensor;
  x = L.permute({ name: "to_hwc", dims: [2, 3, 1] }).apply(x) as tf.SymbolicTensor;
  x = L.depthwiseConv2d({
    name: "dw_dilated",
    kernelSize: 3,
    padding: "same",
    dilationRate: 2,
  }).apply(x) as tf.SymbolicTensor;
  x = L.batchNormalization({ name: "bn_after_dw" }).apply(x) as tf.SymbolicTensor;
  x = L.flatten({ name: "flat" }).apply(x) as tf.SymbolicTensor;
  const model = tf.model({ name: "layouts", inputs: input, outputs: x });
  randomizeWeights(model);
  return model;
}

describe("InferencePlan on a synthetic graph", () => {
  let model: tf.LayersModel;
  let plan: InferencePlan;
  beforeAll(() => {
    model = syntheticModel();
    plan = InferencePlan.compile(model);
  });
  afterAll(() => {
    plan.dispose();
    model.dispose();
  });

  it("folds what it may and leaves the rest to plain ops or the layer", () => {
    expect(plan.stats).toEqual({
      layers: model.layers.length - 1,
      steps: plan.stepLayers().length,
      foldedBatchNorms: 3, // b1, b2, b5; not b3 (its conv output is also read by merge) nor b4 (after pooling)
      fusedActivations: 3, // r1, r2, r5; tanh cannot be fused
      foldedPaddings: 1, // pad_same; pad_odd is not 'same' padding
      fallbackLayers: ["tanh", "upsample"],
    });
    const steps = plan.stepLayers();
    expect(steps).toContainEqual(["c1", "b1", "r1"]);
    expect(steps).toContainEqual(["pad_odd"]);
    expect(steps).toContainEqual(["d1", "b2", "r2"]);
    expect(steps).toContainEqual(["c2_shared"]);
    expect(steps).toContainEqual(["b3_unfolded"]);
    expect(steps).toContainEqual(["c3_dilated"]);
    expect(steps).toContainEqual(["c4"]);
    expect(steps).toContainEqual(["fc", "b5", "r5"]);
    expect(steps.flat()).not.toContain("drop");
    expect(describeInferencePlan(plan)).toMatch(
      /3 BatchNormalization folded, 3 activations fused, 1 paddings folded, layer fallback: 2 \(tanh, upsample\)/,
    );
  });

  for (const backend of BACKENDS) {
    it(`equals model.predict on ${backend}`, async () => {
      await tf.setBackend(backend);
      const x = randomInput([3, 12, 12, 3]);
      expect(planError(model, plan, x)).toBeLessThan(1e-5);
      x.dispose();
      await tf.setBackend("wasm");
    });
  }

  it("leaves no tensor behind but its result, and never changes the model's weights", () => {
    const before = weightValues(model);
    const x = randomInput([2, 12, 12, 3]);
    const tensors = tf.memory().numTensors;
    const again = InferencePlan.compile(model);
    const out = again.predict(x);
    expect(tf.memory().numTensors).toBeGreaterThan(tensors + 1); // the folded constants
    again.dispose();
    expect(tf.memory().numTensors).toBe(tensors + 1);
    tf.dispose([x, out]);
    expect(changedWeights(model, before)).toEqual([]);
  });

  it("refuses input of another shape, naming both", () => {
    const x = tf.zeros([1, 10, 12, 3]);
    expect(() => plan.predict(x)).toThrow(
      /takes input of shape \[any, 12, 12, 3\], got \[1, 10, 12, 3\]/,
    );
    x.dispose();
  });
});

describe("InferencePlan on layouts it does not compile", () => {
  it("runs channelsFirst, off-axis BN and dilated depthwise through the layers, with the same result", async () => {
    const model = unsupportedLayoutsModel();
    const plan = InferencePlan.compile(model);
    expect(plan.stats.fallbackLayers).toEqual(["conv_chw", "bn_axis1", "to_hwc", "dw_dilated"]);
    expect(plan.stats.foldedBatchNorms).toBe(0);
    for (const backend of BACKENDS) {
      await tf.setBackend(backend);
      const x = randomInput([2, 4, 10, 10]);
      expect(planError(model, plan, x), backend).toBeLessThan(1e-5);
      x.dispose();
    }
    await tf.setBackend("wasm");
    plan.dispose();
    model.dispose();
  });
});

describe("InferencePlan on LeNet-5", () => {
  it("equals the base's predict on wasm and cpu, every layer compiled", async () => {
    const classifier = buildLenet5Classifier({ numClasses: 10, seed: 3 });
    const base = lenet5Base(classifier);
    const plan = InferencePlan.compile(base);
    expect(plan.stats.fallbackLayers).toEqual([]);
    expect(plan.stepLayers()).toEqual([
      ["conv1"],
      ["pool1"],
      ["conv2"],
      ["pool2"],
      ["flatten"],
      ["fc1"],
      ["fc2"],
    ]);
    for (const backend of BACKENDS) {
      await tf.setBackend(backend);
      const x = tf.randomUniform([16, ...LENET5_INPUT_SHAPE], 0, 1, "float32", 5);
      expect(planError(base, plan, x), backend).toBeLessThan(1e-5);
      x.dispose();
    }
    await tf.setBackend("wasm");
    plan.dispose();
    classifier.dispose();
  });
});

describe("InferencePlan on MobileNetV2 (nsfwjs weights)", () => {
  let base: tf.LayersModel;
  beforeAll(async () => {
    await tf.setBackend("wasm");
    base = await buildMobileNetV2Base();
  });
  afterAll(() => base.dispose());

  it("folds all 52 BatchNormalization, fuses all 35 ReLU(6), folds the 5 paddings, and equals predict on wasm", async () => {
    const before = weightValues(base);
    const plan = InferencePlan.compile(base);
    expect(plan.stats).toMatchObject({
      foldedBatchNorms: 52,
      fusedActivations: 35,
      foldedPaddings: 5,
      fallbackLayers: [],
    });
    // 35 Conv2D + 17 DepthwiseConv2D, 10 Add, the pooling and the flatten.
    expect(plan.stats.steps).toBe(64);
    const x = tf.randomUniform([2, ...MOBILENET_V2_INPUT_SHAPE], 0, 1, "float32", 7);
    expect(planError(base, plan, x)).toBeLessThan(1e-4);
    x.dispose();
    plan.dispose();
    expect(changedWeights(base, before)).toEqual([]);
  });

  it("on a frozen bottom cut at a convolution, does not fold the BN above the cut, on wasm and cpu", async () => {
    const bottom = tf.model({
      name: "bottom",
      inputs: base.inputs,
      outputs: base.getLayer("block_3_expand").output as tf.SymbolicTensor,
    });
    const plan = InferencePlan.compile(bottom);
    expect(plan.stats).toMatchObject({
      foldedBatchNorms: 9,
      foldedPaddings: 2,
      fallbackLayers: [],
    });
    expect(plan.stepLayers().at(-1)).toEqual(["block_3_expand"]);
    for (const backend of BACKENDS) {
      await tf.setBackend(backend);
      const x = tf.randomUniform([1, ...MOBILENET_V2_INPUT_SHAPE], 0, 1, "float32", 8);
      expect(planError(bottom, plan, x), backend).toBeLessThan(1e-4);
      x.dispose();
    }
    await tf.setBackend("wasm");
    plan.dispose();
  });
});
