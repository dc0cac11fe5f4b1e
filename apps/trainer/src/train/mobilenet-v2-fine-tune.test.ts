import { HeadConfig } from "@tlab/core/strategy";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  buildMobileNetV2Base,
  MOBILENET_V2_INPUT_SHAPE,
  MOBILENET_V2_NAME,
} from "../model/mobilenet-v2";
import { initBackend, tf } from "../tf/backend";
import { applyBatchNormMode } from "./batch-norm-mode";
import { attachHead, buildHead, disposeHead } from "./head";
import { ScheduledAdam } from "./lr-schedule";
import { planPasses } from "./plan-passes";
import { trainStep, wholeModelContext } from "./train-step";

/**
 * The real-size case that used to abort: one full fine-tune step of MobileNetV2 at 224×224 and the
 * default batch of 32 on wasm, whose activations (~340 MiB an image) do not fit its 4 GiB heap at
 * once. A single step: the whole test is a few dozen seconds on two cores.
 */
let base: tf.LayersModel;
beforeAll(async () => {
  await initBackend("wasm");
  base = await buildMobileNetV2Base();
});
afterAll(() => base.dispose());

function values(weights: tf.LayerVariable[]): Float32Array[] {
  return weights.map((w) => Float32Array.from(w.read().dataSync() as Float32Array));
}

describe("a MobileNetV2 full fine-tune step at batch 32 on wasm", () => {
  it("runs as micro-batches that fit the heap, trains every layer, and keeps BatchNorm statistics frozen", {
    timeout: 600_000,
  }, async () => {
    // As trainRun marks a full fine-tune: nsfwjs saved some of its bottom layers as not trainable.
    for (const layer of base.layers) layer.trainable = true;
    const head = buildHead(HeadConfig.parse({}), 5, 1);
    attachHead(head, base.outputs[0]!);
    const restore = applyBatchNormMode(base.layers, "frozen");
    const xs = tf.randomUniform([32, ...MOBILENET_V2_INPUT_SHAPE], 0, 1, "float32", 3);
    const labels = tf.tensor1d(
      Array.from({ length: 32 }, (_, i) => i % 5),
      "int32",
    );
    const context = wholeModelContext(base, head, { xs, labels });
    const bn = base.layers.filter((l) => l.getClassName() === "BatchNormalization");
    const moving = bn.flatMap((l) =>
      l.weights.filter((w) => /moving_(mean|variance)/.test(w.originalName)),
    );
    const trainable = [
      base.getLayer("Conv1"),
      base.getLayer("block_16_depthwise"),
      base.getLayer("Conv_1_bn"),
    ].flatMap((l) => l.trainableWeights);
    const movingBefore = values(moving);
    const trainableBefore = values(trainable);
    const optimizers = { head: new ScheduledAdam(0.01), base: new ScheduledAdam(0.0001) };
    try {
      const plan = planPasses({
        context,
        trainsBase: true,
        batchSize: 32,
        model: { name: MOBILENET_V2_NAME, inputShape: MOBILENET_V2_INPUT_SHAPE },
      });
      expect(plan).not.toBeNull();
      expect(plan!.microBatch).toBeLessThan(32);
      expect(plan!.estimateBytes).toBeLessThan(plan!.availableBytes);
      context.microBatch = plan!.microBatch;

      const step = trainStep(
        context,
        new Int32Array(32).map((_, i) => i),
        { dropout: 1, augment: 1 },
        { epochs: 1, trainBase: true },
        optimizers,
      );
      expect(Number.isFinite(step.loss)).toBe(true);
      expect(step.correct).toBeGreaterThanOrEqual(0);
      expect(moving.length).toBe(2 * bn.length);
      expect(bn.length).toBeGreaterThan(50);
      values(moving).forEach((v, i) => {
        expect(v, moving[i]!.originalName).toEqual(movingBefore[i]);
      });
      // The bottom, a depthwise layer near the top and a BatchNorm's gamma/beta all moved.
      values(trainable).forEach((v, i) => {
        expect(v, trainable[i]!.originalName).not.toEqual(trainableBefore[i]);
      });
      expect(context.memory.sample()).toBeLessThan(plan!.limit.bytes);
    } finally {
      optimizers.head.dispose();
      optimizers.base.dispose();
      tf.dispose([xs, labels]);
      restore();
      disposeHead(head);
    }
  });
});
