import { HeadConfig } from "@tlab/core/strategy";
import {
  buildMobileNetV2Base,
  MOBILENET_V2_INPUT_SHAPE,
  MOBILENET_V2_NAME,
} from "../model/mobilenet-v2";
import { tf } from "../tf/backend";
import { measurePeakBytes } from "../tf/peak-bytes";
import { applyBatchNormMode } from "../train/batch-norm-mode";
import { attachHead, buildHead, disposeHead } from "../train/head";
import { ScheduledAdam } from "../train/lr-schedule";
import { planPasses } from "../train/plan-passes";
import { trainStep, wholeModelContext } from "../train/train-step";
import { measure, type Throughput, type ThroughputOptions } from "./lenet5-throughput";

export interface FineTuneThroughput extends Throughput {
  batchSize: number;
  /** Images per forward/backward pass the run's memory plan chose for this batch. */
  microBatch: number;
  /** Most tensor memory held during the measured steps (base weights included). */
  peakBytes: number;
}

/**
 * A full fine-tune of MobileNetV2 (224×224, the nsfwjs backbone, 5-way softmax head) exactly as a
 * run trains it: BatchNorm statistics frozen (the default), the micro-batch planned for the
 * backend's memory, the gradients of a batch's passes summed into one Adam step per batch.
 */
export async function measureMobileNetV2FineTune(
  options: ThroughputOptions,
): Promise<FineTuneThroughput> {
  const base = await buildMobileNetV2Base();
  const head = buildHead(HeadConfig.parse({}), 5, 1);
  attachHead(head, base.outputs[0]!);
  const restoreBatchNorm = applyBatchNormMode(base.layers, "frozen");
  const count = options.batchSize * 2;
  const xs = tf.randomUniform([count, ...MOBILENET_V2_INPUT_SHAPE], 0, 1, "float32", 1);
  const labels = tf.tensor1d(
    Array.from({ length: count }, (_, i) => i % 5),
    "int32",
  );
  const context = {
    ...wholeModelContext(base, head, { xs, labels }),
    microBatch: options.batchSize,
  };
  const { memory } = context;
  const optimizers = { head: new ScheduledAdam(1e-3), base: new ScheduledAdam(1e-4) };
  const phase = { epochs: 1, trainBase: true };
  try {
    const plan = planPasses({
      context,
      trainsBase: true,
      batchSize: options.batchSize,
      model: { name: MOBILENET_V2_NAME, inputShape: MOBILENET_V2_INPUT_SHAPE },
    });
    context.microBatch = plan?.microBatch ?? options.batchSize;
    let batch = 0;
    const step = () => {
      const start = (batch++ % 2) * options.batchSize;
      const indices = new Int32Array(options.batchSize).map((_, i) => start + i);
      trainStep(context, indices, { dropout: batch, augment: batch }, phase, optimizers);
    };
    const throughput = measure(step, options);
    // The backward pass frees activations as it goes: its high-water mark is measured over a step.
    memory.observe(measurePeakBytes(step).peakBytes);
    return {
      ...throughput,
      batchSize: options.batchSize,
      microBatch: context.microBatch,
      peakBytes: memory.sample(),
    };
  } finally {
    optimizers.head.dispose();
    optimizers.base.dispose();
    tf.dispose([xs, labels]);
    restoreBatchNorm();
    disposeHead(head);
    base.dispose();
  }
}
