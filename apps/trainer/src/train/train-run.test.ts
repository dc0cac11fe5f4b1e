import path from "node:path";
import { LayerPlanError } from "@tlab/core/layer-plan";
import {
  FinalMetrics,
  LEARNING_RATE_METRIC,
  METRIC,
  type MetricPoint,
  type RunSpec,
} from "@tlab/core/run";
import type { StrategyConfigInput } from "@tlab/core/strategy";
import { beforeAll, describe, expect, it } from "vitest";
import { loadMnistSplit, MNIST_SIDE } from "../data/mnist-digits";
import { loadModelFromDir, loadModelFromFiles } from "../model/load-model-files";
import { modelArtifactsToFiles } from "../model/model-files";
import { digitsRunSpec, DIGITS_5_TO_9 } from "../testing/digits-run-spec";
import { initBackend, tf } from "../tf/backend";
import { RunAbortedError, trainRun, TrainingSpecError } from "./train-run";

const BASE_DIR = path.resolve(import.meta.dirname, "../../assets/base-models/lenet5-digits-0-4");
const CLASSES = DIGITS_5_TO_9;

/** A deliberately tiny budget: enough to beat chance (0.2) clearly, small enough to run in seconds. */
function makeSpec(
  base: tf.LayersModel,
  strategy: StrategyConfigInput,
  overrides: Partial<RunSpec> = {},
): RunSpec {
  return digitsRunSpec(base, strategy, {
    seed: 3,
    epochs: 2,
    trainPerClass: 50,
    testPerClass: 100,
    ...overrides,
  });
}

function weightBytes(model: tf.LayersModel): Map<string, Float32Array> {
  return new Map(model.weights.map((w) => [w.originalName, w.read().dataSync() as Float32Array]));
}

beforeAll(async () => {
  await initBackend("wasm");
});

describe("trainRun on the committed LeNet-5 base (digits 0-4 → 5-9, wasm)", () => {
  it.each<[string, StrategyConfigInput]>([
    ["frozen", { kind: "frozen", learningRate: 0.03 }],
    ["frozen with an SVM head", { kind: "frozen", learningRate: 0.03, head: { type: "svm" } }],
    [
      "partial (top 2 weighted layers)",
      { kind: "partial", cut: { by: "topK", k: 2 }, learningRate: 0.01, baseLearningRate: 0.003 },
    ],
    [
      "partial cut at pool2 with warmup",
      {
        kind: "partial",
        cut: { by: "layer", layer: "pool2" },
        warmupEpochs: 1,
        learningRate: 0.01,
      },
    ],
    ["full", { kind: "full", learningRate: 0.01, baseLearningRate: 0.003 }],
    [
      "full with hidden units and dropout",
      { kind: "full", head: { hiddenUnits: 32, dropout: 0.3 }, learningRate: 0.01 },
    ],
  ])("%s beats chance on held-out digits and reports complete metrics", async (_name, strategy) => {
    const base = await loadModelFromDir(BASE_DIR);
    const spec = makeSpec(base, strategy);
    const epochs: Array<[number, MetricPoint[]]> = [];
    const progress: number[] = [];
    const { metrics, artifacts } = await trainRun(spec, {
      baseModel: base,
      onEpoch: (epoch, points) => {
        epochs.push([epoch, points]);
      },
      onProgress: (fraction) => progress.push(fraction),
    });
    base.dispose();

    expect(FinalMetrics.parse(metrics)).toEqual(metrics);
    expect(metrics.testAccuracy).toBeGreaterThan(0.5);
    expect(metrics.epochsRun).toBe(2);
    expect(metrics.bestEpoch).toBeGreaterThanOrEqual(1);
    expect(metrics.bestEpoch).toBeLessThanOrEqual(2);
    expect(metrics.confusionMatrix.flat().reduce((a, b) => a + b, 0)).toBe(5 * spec.testPerClass);
    expect(metrics.perClass.map((c) => c.support)).toEqual(CLASSES.map(() => spec.testPerClass));
    expect(metrics.trainableParams).toBeLessThanOrEqual(metrics.totalParams);
    expect(metrics.peakMemoryBytes).toBeGreaterThan(0);

    expect(epochs.map(([epoch]) => epoch)).toEqual([1, 2]);
    for (const [epoch, points] of epochs) {
      expect(points.map((p) => p.name).sort()).toEqual(
        [...Object.values(METRIC), LEARNING_RATE_METRIC].sort(),
      );
      expect(points.every((p) => p.step === epoch && Number.isFinite(p.value))).toBe(true);
    }
    expect(progress.at(-1)).toBe(1);
    expect(progress.every((f, i) => i === 0 || f >= progress[i - 1]!)).toBe(true);

    // The artifacts are the whole trained model: reloaded, it classifies the test images as the
    // run reported (same weights, so at most a tie could flip one prediction).
    const files = modelArtifactsToFiles(artifacts);
    const trained = await loadModelFromFiles(files.modelJson, files.weights);
    const { test } = loadMnistSplit({
      classes: CLASSES,
      trainPerClass: 50,
      validationFraction: 0.2,
      testPerClass: 100,
      seed: spec.seed,
    });
    const correct = tf.tidy(() => {
      const predicted = tf.argMax(
        trained.predict(tf.tensor4d(test.xs, [test.count, MNIST_SIDE, MNIST_SIDE, 1])) as tf.Tensor,
        1,
      );
      return tf
        .sum(tf.cast(tf.equal(predicted, tf.tensor1d(test.labels, "int32")), "int32"))
        .dataSync()[0]!;
    });
    expect(Math.abs(correct / test.count - metrics.testAccuracy)).toBeLessThanOrEqual(
      1 / test.count,
    );
    trained.dispose();
  });

  it("frozen leaves every base weight bit-identical; full changes them", async () => {
    const frozenBase = await loadModelFromDir(BASE_DIR);
    const before = weightBytes(frozenBase);
    const frozen = await trainRun(makeSpec(frozenBase, { kind: "frozen" }), {
      baseModel: frozenBase,
    });
    expect(weightBytes(frozenBase)).toEqual(before);
    // ...and the saved model carries those same base weights.
    const saved = await loadModelFromFiles(
      modelArtifactsToFiles(frozen.artifacts).modelJson,
      modelArtifactsToFiles(frozen.artifacts).weights,
    );
    const savedWeights = weightBytes(saved);
    for (const [name, values] of before) expect(savedWeights.get(name), name).toEqual(values);
    saved.dispose();
    frozenBase.dispose();

    const fullBase = await loadModelFromDir(BASE_DIR);
    await trainRun(makeSpec(fullBase, { kind: "full" }), { baseModel: fullBase });
    const after = weightBytes(fullBase);
    for (const [name, values] of before) expect(after.get(name), name).not.toEqual(values);
    fullBase.dispose();
  });

  it("partial trains only the layers above the cut", async () => {
    const base = await loadModelFromDir(BASE_DIR);
    const before = weightBytes(base);
    const { metrics } = await trainRun(
      makeSpec(base, { kind: "partial", cut: { by: "layer", layer: "fc1" } }),
      { baseModel: base },
    );
    const after = weightBytes(base);
    for (const [name, values] of before) {
      if (name.startsWith("fc2/")) expect(after.get(name), name).not.toEqual(values);
      else expect(after.get(name), name).toEqual(values);
    }
    expect(metrics.trainableParams).toBe(10_164 + 85 * 5);
    base.dispose();
  });

  it("rejects a cut layer the base does not have, naming the layers it does have", async () => {
    const base = await loadModelFromDir(BASE_DIR);
    const spec = makeSpec(base, { kind: "partial", cut: { by: "layer", layer: "conv9" } });
    await expect(trainRun(spec, { baseModel: base })).rejects.toThrow(LayerPlanError);
    await expect(trainRun(spec, { baseModel: base })).rejects.toThrow(
      /cut layer "conv9".*conv1, pool1, conv2/,
    );
    // A layer list that does not describe the loaded model is refused before anything trains.
    const renamed = makeSpec(base, { kind: "full" });
    renamed.baseModel.layers = renamed.baseModel.layers.map((l) =>
      l.name === "fc1" ? { ...l, name: "dense_1" } : l,
    );
    await expect(trainRun(renamed, { baseModel: base })).rejects.toThrow(TrainingSpecError);
    await expect(trainRun(renamed, { baseModel: base })).rejects.toThrow(
      /do not match the loaded base model/,
    );
    base.dispose();
  });

  it("is reproducible for a seed", async () => {
    const strategy: StrategyConfigInput = {
      kind: "frozen",
      head: { hiddenUnits: 16, dropout: 0.2 },
    };
    const runs = [];
    for (let i = 0; i < 2; i++) {
      const base = await loadModelFromDir(BASE_DIR);
      runs.push(await trainRun(makeSpec(base, strategy), { baseModel: base }));
      base.dispose();
    }
    const [a, b] = runs as [(typeof runs)[number], (typeof runs)[number]];
    expect(b.metrics.testLoss).toBe(a.metrics.testLoss);
    expect(b.metrics.confusionMatrix).toEqual(a.metrics.confusionMatrix);
    expect(modelArtifactsToFiles(b.artifacts).weights).toEqual(
      modelArtifactsToFiles(a.artifacts).weights,
    );
  });

  it("stops between batches when aborted and frees its tensors", async () => {
    const base = await loadModelFromDir(BASE_DIR);
    const spec = makeSpec(base, { kind: "full" });
    const before = tf.memory().numTensors;
    const controller = new AbortController();
    let batches = 0;
    const run = trainRun(spec, {
      baseModel: base,
      signal: controller.signal,
      onProgress: () => {
        batches += 1;
        if (batches === 3) controller.abort(new Error("canceled"));
      },
    });
    await expect(run).rejects.toThrow(RunAbortedError);
    await expect(run).rejects.toMatchObject({ name: "AbortError" });
    expect(batches).toBe(3);
    expect(tf.memory().numTensors).toBe(before);
    base.dispose();
  });

  it("reports the run's own peak tensor memory, whatever the process held or freed before; full needs at least frozen's", async () => {
    const peakOf = async (strategy: StrategyConfigInput): Promise<number> => {
      const base = await loadModelFromDir(BASE_DIR);
      try {
        return (
          (await trainRun(makeSpec(base, strategy), { baseModel: base })).metrics.peakMemoryBytes ??
          Number.NaN
        );
      } finally {
        base.dispose();
      }
    };
    const strategies: StrategyConfigInput[] = [
      { kind: "frozen" },
      { kind: "partial", cut: { by: "topK", k: 2 } },
      { kind: "full" },
    ];
    const before: number[] = [];
    for (const strategy of strategies) before.push(await peakOf(strategy));

    // What a bigger run leaves in a worker: memory it used and freed, and tensors still held.
    const freed = tf.zeros([64 * 2 ** 18]); // 64 MiB
    freed.dataSync();
    freed.dispose();
    const held = tf.ones([32 * 2 ** 18]); // 32 MiB, far above any LeNet run's peak
    held.dataSync();
    const after: number[] = [];
    try {
      for (const strategy of strategies) after.push(await peakOf(strategy));
    } finally {
      held.dispose();
    }

    for (const [i, peak] of after.entries()) {
      expect(peak, JSON.stringify(strategies[i])).toBeGreaterThan(0.9 * before[i]!);
      expect(peak, JSON.stringify(strategies[i])).toBeLessThan(1.1 * before[i]!);
    }
    // Full fine-tuning adds the base's gradients, activations and Adam moments to what the head needs.
    expect(after[2]!).toBeGreaterThanOrEqual(after[0]!);
  });

  it("leaves no tensors behind across runs, and the caller can still free the whole base", async () => {
    const start = tf.memory().numTensors;
    const base = await loadModelFromDir(BASE_DIR);
    const counts: number[] = [];
    for (const kind of ["frozen", "partial", "full"] as const) {
      counts.push(tf.memory().numTensors);
      await trainRun(
        makeSpec(base, { kind, head: { hiddenUnits: 8, dropout: 0.1 } }, { epochs: 2 }),
        { baseModel: base },
      );
    }
    counts.push(tf.memory().numTensors);
    expect(new Set(counts).size).toBe(1);
    base.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });
});
