import { DEFAULT_TRAINING_OPTIONS, type BatchNormMode } from "@tlab/core/experiment";
import { FinalMetrics, type RunSpec } from "@tlab/core/run";
import { HeadConfig, type StrategyConfigInput } from "@tlab/core/strategy";
import { beforeAll, describe, expect, it } from "vitest";
import { digitsRunSpec } from "../testing/digits-run-spec";
import { initBackend, tf } from "../tf/backend";
import { applyBatchNormMode } from "./batch-norm-mode";
import { attachHead, buildHead, disposeHead } from "./head";
import { planMicroBatch } from "./step-memory";
import { trainStep, wholeModelContext } from "./train-step";
import { trainRun, TrainingSpecError, type MicroBatchEvent } from "./train-run";
import type { TrainingCheckpoint } from "./training-checkpoint";
import type { Optimizers } from "./training-phases";

/** A small CNN with BatchNormalization after each convolution, the layout of MobileNet-style bases. */
function batchNormBase(
  inputShape: [number, number, number] = [28, 28, 1],
  filters = 8,
): tf.LayersModel {
  const init = (seed: number) => tf.initializers.glorotUniform({ seed });
  const input = tf.input({ shape: inputShape, name: "image" });
  let x = tf.layers
    .conv2d({
      name: "conv1",
      filters,
      kernelSize: 3,
      strides: 2,
      padding: "same",
      useBias: false,
      kernelInitializer: init(1),
    })
    .apply(input) as tf.SymbolicTensor;
  x = tf.layers.batchNormalization({ name: "conv1_bn" }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.reLU({ name: "conv1_relu", maxValue: 6 }).apply(x) as tf.SymbolicTensor;
  x = tf.layers
    .depthwiseConv2d({
      name: "dw2",
      kernelSize: 3,
      padding: "same",
      useBias: false,
      depthwiseInitializer: init(2),
    })
    .apply(x) as tf.SymbolicTensor;
  x = tf.layers.batchNormalization({ name: "dw2_bn" }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.reLU({ name: "dw2_relu", maxValue: 6 }).apply(x) as tf.SymbolicTensor;
  x = tf.layers
    .conv2d({
      name: "pw3",
      filters: filters * 2,
      kernelSize: 1,
      useBias: false,
      kernelInitializer: init(3),
    })
    .apply(x) as tf.SymbolicTensor;
  x = tf.layers.batchNormalization({ name: "pw3_bn" }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.maxPooling2d({ name: "pool", poolSize: 2 }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.flatten({ name: "features" }).apply(x) as tf.SymbolicTensor;
  return tf.model({ name: "bn_base", inputs: input, outputs: x });
}

function specFor(
  base: tf.LayersModel,
  strategy: StrategyConfigInput,
  overrides: Partial<RunSpec> = {},
): RunSpec {
  return digitsRunSpec(
    base,
    strategy,
    { seed: 5, epochs: 2, batchSize: 16, ...overrides },
    "bn-test-base",
  );
}

function statistics(model: tf.LayersModel): Map<string, Float32Array> {
  return new Map(
    model.layers
      .filter((l) => l.getClassName() === "BatchNormalization")
      .flatMap((l) =>
        l.weights.map(
          (w) => [w.originalName, Float32Array.from(w.read().dataSync() as Float32Array)] as const,
        ),
      ),
  );
}

beforeAll(async () => {
  await initBackend("wasm");
});

describe("micro-batches with gradient accumulation", () => {
  // With statistics updated each pass normalises by its own images (a "ghost" batch norm), so only
  // frozen statistics make the passes' gradients the batch's exactly.
  it("sum to the full batch's gradients (BatchNorm frozen)", () => {
    const mode: BatchNormMode = "frozen";
    const base = batchNormBase();
    const head = buildHead(HeadConfig.parse({ hiddenUnits: 16 }), 5, 1);
    attachHead(head, base.outputs[0]!);
    const restore = applyBatchNormMode(base.layers, mode);
    const images = tf.randomUniform([10, 28, 28, 1], 0, 1, "float32", 7);
    const labels = tf.tensor1d([0, 1, 2, 3, 4, 0, 1, 2, 3, 4], "int32");
    const context = wholeModelContext(base, head, { xs: images, labels });
    // The optimizer step is where the gradients go: capture what it is given instead of applying it.
    const gradientsOf = (microBatch: number) => {
      const captured = new Map<string, Float32Array>();
      const capture = {
        applyGradients: (list: Array<{ name: string; tensor: tf.Tensor }>) =>
          list.forEach(({ name, tensor }) => {
            captured.set(name, Float32Array.from(tensor.dataSync() as Float32Array));
          }),
      };
      const optimizers = { head: capture, base: capture } as unknown as Optimizers;
      const step = trainStep(
        { ...context, microBatch },
        new Int32Array([3, 1, 4, 0, 9, 2, 6, 5, 8, 7]),
        { dropout: 1, augment: 2 },
        { epochs: 1, trainBase: true },
        optimizers,
      );
      return { step, captured };
    };
    const whole = gradientsOf(10);
    // 10 images as passes of 3, 3, 3 and 1: uneven on purpose.
    const split = gradientsOf(3);
    expect(split.captured.size).toBe(context.headVars.length + context.baseVars.length);
    expect(split.step.correct).toBe(whole.step.correct);
    expect(split.step.loss).toBeCloseTo(whole.step.loss, 5);
    for (const [name, values] of whole.captured) {
      const other = split.captured.get(name)!;
      const scale = Math.max(...values.map(Math.abs), 1e-6);
      const worst = Math.max(...values.map((v, i) => Math.abs(v - other[i]!)));
      expect(worst / scale, name).toBeLessThan(1e-4);
    }
    restore();
    tf.dispose([images, labels]);
    disposeHead(head);
    base.dispose();
  });

  it("splits a batch into equal passes that fit, and refuses a model whose single image does not, naming what it needs", () => {
    const limit = { bytes: 1000, description: "a test's 1000 bytes" };
    const model = { name: "big-net", inputShape: [512, 512, 3] };
    // 750 usable bytes (75%) − 100 live − 50 fixed = 600 → 13 images of 45 bytes fit; 32 runs as 11 + 11 + 10.
    expect(
      planMicroBatch({
        batchSize: 32,
        cost: { fixedBytes: 50, perImageBytes: 45 },
        liveBytes: 100,
        limit,
        model,
      }).microBatch,
    ).toBe(11);
    expect(
      planMicroBatch({
        batchSize: 8,
        cost: { fixedBytes: 50, perImageBytes: 45 },
        liveBytes: 100,
        limit,
        model,
      }).microBatch,
    ).toBe(8);
    expect(() =>
      planMicroBatch({
        batchSize: 32,
        cost: { fixedBytes: 50, perImageBytes: 700 },
        liveBytes: 100,
        limit,
        model,
      }),
    ).toThrow(
      /base model "big-net" at input 512×512×3 needs about 1 KiB for a training step on a single image .* but a test's 1000 bytes leaves 1 KiB/,
    );
  });

  it("trains a fine-tune that does not fit at once as micro-batches, reports the micro-batch, and still learns", async () => {
    const base = batchNormBase();
    const spec = specFor(
      base,
      { kind: "full", learningRate: 0.01, baseLearningRate: 0.01 },
      { batchSize: 32 },
    );
    const events: MicroBatchEvent[] = [];
    // Room for the weights and data but only a few images' activations at a time.
    const live = tf.memory().numBytes;
    const { metrics } = await trainRun(spec, {
      baseModel: base,
      memoryLimitBytes: (live + 40 * 784 * 4 * 5 * 1.2 + 2_500_000) / 0.75,
      onMicroBatch: (e) => events.push(e),
    });
    const planned = events.find((e) => e.kind === "planned");
    expect(planned?.kind === "planned" && planned.plan.microBatch).toBeLessThan(32);
    expect(metrics.microBatch).toBeLessThan(32);
    expect(metrics.microBatch).toBeGreaterThanOrEqual(1);
    expect(FinalMetrics.parse(metrics)).toEqual(metrics);
    expect(metrics.testAccuracy).toBeGreaterThan(0.4); // chance is 0.2
    base.dispose();
  });

  it("halves the micro-batch when a pass runs out of memory anyway, and the run goes on", async () => {
    const base = batchNormBase();
    const spec = specFor(
      base,
      { kind: "full", learningRate: 0.01, baseLearningRate: 0.01 },
      { batchSize: 32, epochs: 1 },
    );
    // The wasm heap running out inside a backward pass of more than 16 images, as emscripten says it.
    const original = tf.getKernel("Conv2DBackpropFilter", "wasm")!;
    tf.unregisterKernel("Conv2DBackpropFilter", "wasm");
    tf.registerKernel({
      ...original,
      kernelFunc: (args) => {
        if ((args.inputs.x as tf.TensorInfo).shape[0]! > 16)
          throw new Error("RuntimeError: Aborted(). Build with -sASSERTIONS for more info.");
        return original.kernelFunc(args);
      },
    });
    const events: MicroBatchEvent[] = [];
    try {
      const { metrics } = await trainRun(spec, {
        baseModel: base,
        onMicroBatch: (e) => events.push(e),
      });
      expect(
        events.map((e) =>
          e.kind === "planned" ? `planned ${e.plan.microBatch}` : `lowered ${e.from} to ${e.to}`,
        ),
      ).toEqual(["planned 32", "lowered 32 to 16"]);
      const lowered = events[1]!;
      expect(lowered.kind === "lowered" && lowered.reason).toMatch(
        /^out of memory in epoch 1, batch 1 of \d+, on the wasm backend: RuntimeError: the backend aborted$/,
      );
      expect(metrics.microBatch).toBe(16);
      expect(metrics.testAccuracy).toBeGreaterThan(0.3); // chance is 0.2
    } finally {
      tf.unregisterKernel("Conv2DBackpropFilter", "wasm");
      tf.registerKernel(original);
      base.dispose();
    }
  });

  it("refuses, before training, a base whose one image does not fit, naming the model, input, estimate and limit", async () => {
    const base = batchNormBase([256, 256, 3], 64);
    const spec = specFor(
      base,
      { kind: "full" },
      { trainPerClass: 4, validationFraction: 0.5, testPerClass: 1, epochs: 1 },
    );
    const before = tf.memory().numTensors;
    const run = trainRun(spec, { baseModel: base, memoryLimitBytes: 48 * 2 ** 20 });
    await expect(run).rejects.toThrow(TrainingSpecError);
    await expect(
      trainRun(spec, { baseModel: base, memoryLimitBytes: 48 * 2 ** 20 }),
    ).rejects.toThrow(
      /^base model "bn-test-base" at input 256×256×3 needs about \d+ MiB for a training step on a single image .* the configured 48 MiB \(TLAB_DEVICE_MEMORY_MB\) of the wasm backend leaves \d+ MiB/,
    );
    expect(tf.memory().numTensors).toBe(before);
    base.dispose();
  });
});

describe("BatchNorm statistics", () => {
  it.each<["frozen" | "updated", "partial" | "full"]>([
    ["frozen", "full"],
    ["frozen", "partial"],
    ["updated", "full"],
  ])("%s during a %s fine-tune", async (mode, kind) => {
    const base = batchNormBase();
    const before = statistics(base);
    const strategy: StrategyConfigInput =
      kind === "full"
        ? { kind: "full", learningRate: 0.01, baseLearningRate: 0.01 }
        : {
            kind: "partial",
            cut: { by: "layer", layer: "conv1_relu" },
            learningRate: 0.01,
            baseLearningRate: 0.01,
          };
    const spec = specFor(base, strategy, {
      training: { ...DEFAULT_TRAINING_OPTIONS, batchNorm: mode },
    });
    const { metrics } = await trainRun(spec, { baseModel: base });
    expect(metrics.testAccuracy).toBeGreaterThan(0.4);
    const after = statistics(base);
    const trainsLayer = (name: string) => kind === "full" || !name.startsWith("conv1_bn");
    for (const [name, values] of before) {
      const moving = name.includes("moving_");
      const changed = after.get(name)!.some((v, i) => v !== values[i]);
      if (!trainsLayer(name)) expect(changed, name).toBe(false);
      // Frozen: moving mean and variance untouched, gamma and beta still train. Updated: all move.
      else if (moving) expect(changed, name).toBe(mode === "updated");
      else expect(changed, name).toBe(true);
    }
    base.dispose();
  });

  it("updated statistics go into checkpoints, and a resumed run continues from them", async () => {
    const spec = specFor(
      batchNormBase(),
      { kind: "full", learningRate: 0.01, baseLearningRate: 0.01 },
      { training: { ...DEFAULT_TRAINING_OPTIONS, batchNorm: "updated" }, epochs: 2 },
    );
    const moving = (model: tf.LayersModel) =>
      [...statistics(model)].filter(([name]) => name.includes("moving_")).map(([, v]) => v);
    const distance = (a: Float32Array[], b: Float32Array[]) =>
      Math.max(...a.map((values, i) => Math.max(...values.map((v, j) => Math.abs(v - b[i]![j]!)))));

    const uninterruptedBase = batchNormBase();
    const checkpoints: TrainingCheckpoint[] = [];
    let afterEpoch1: Float32Array[] = [];
    await trainRun(spec, {
      baseModel: uninterruptedBase,
      onEpoch: (epoch) => {
        if (epoch === 1) afterEpoch1 = moving(uninterruptedBase);
      },
      onCheckpoint: (c) => void checkpoints.push(c),
    });
    const uninterrupted = moving(uninterruptedBase);
    uninterruptedBase.dispose();

    // Three BatchNorm layers: their moving mean and variance follow the training variables.
    const kept = checkpoints[0]!.current.slice(-6);
    expect(distance(kept, afterEpoch1)).toBe(0);

    const resumeFrom = async (checkpoint: TrainingCheckpoint) => {
      const base = batchNormBase();
      await trainRun(spec, { baseModel: base, resume: checkpoint });
      const result = moving(base);
      base.dispose();
      return result;
    };
    const resumed = await resumeFrom(checkpoints[0]!);
    // A checkpoint without statistics (as written before they were kept) still resumes, from the
    // base's statistics: one epoch of updates behind.
    const withoutStatistics = await resumeFrom({
      ...checkpoints[0]!,
      current: checkpoints[0]!.current.slice(0, -6),
      best: checkpoints[0]!.best?.slice(0, -6) ?? null,
    });
    // Fresh optimizer moments make the resumed run close to, not identical with, the original.
    expect(distance(resumed, uninterrupted)).toBeLessThan(
      distance(withoutStatistics, uninterrupted) / 2,
    );
  });
});
