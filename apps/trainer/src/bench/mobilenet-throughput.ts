import { InferencePlan } from "../model/inference-plan";
import { buildMobileNetV2Base, MOBILENET_V2_INPUT_SHAPE } from "../model/mobilenet-v2";
import { tf } from "../tf/backend";
import { ScheduledAdam } from "../train/lr-schedule";
import { measure, type Throughput, type ThroughputOptions } from "./lenet5-throughput";

export interface InferenceThroughput {
  /** Through the base's InferencePlan (BatchNorm folded, activations fused): how frozen layers run in training. */
  plan: Throughput;
  /** Layer by layer (model.predict), for comparison in the same process and run. */
  layers: Throughput;
}

/**
 * Inference of `base` through its InferencePlan and layer by layer, alternating one repeat of each
 * so that load from other processes falls on both alike; the best repeat of each counts.
 */
export function measureInference(
  base: tf.LayersModel,
  options: ThroughputOptions,
): InferenceThroughput {
  const plan = InferencePlan.compile(base);
  const inputShape = base.inputs[0]!.shape.slice(1) as number[];
  const xs = tf.randomUniform([options.batchSize, ...inputShape], 0, 1, "float32", 1);
  const once = { ...options, repeats: 1 };
  const best = (a: Throughput | undefined, b: Throughput) =>
    a === undefined || b.imagesPerSec > a.imagesPerSec ? b : a;
  let viaPlan: Throughput | undefined;
  let viaLayers: Throughput | undefined;
  try {
    for (let repeat = 0; repeat < Math.max(1, options.repeats); repeat++) {
      viaLayers = best(
        viaLayers,
        measure(() => tf.tidy(() => void (base.predict(xs) as tf.Tensor).dataSync()), once),
      );
      viaPlan = best(
        viaPlan,
        measure(() => tf.tidy(() => void plan.predict(xs).dataSync()), once),
      );
    }
    return { plan: viaPlan!, layers: viaLayers! };
  } finally {
    xs.dispose();
    plan.dispose();
  }
}

/**
 * MobileNetV2 (the nsfwjs backbone) speed on the active backend: inference of the base (through
 * its inference plan, and layer by layer beside it), and full fine-tune steps of base + a 5-way
 * dense head, which exercise the depthwise-convolution gradient kernels. 224×224 inputs make each
 * step heavy, so budgets are small.
 */
export async function measureMobileNetV2(options: {
  infer: ThroughputOptions;
  train: ThroughputOptions;
}): Promise<{ infer: InferenceThroughput; train: Throughput }> {
  const base = await buildMobileNetV2Base();
  const head = tf.layers.dense({
    units: 5,
    kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
  });
  const model = tf.model({
    inputs: base.inputs,
    outputs: head.apply(base.outputs[0]!) as tf.SymbolicTensor,
  });
  const images = (batch: number) =>
    tf.randomUniform([batch, ...MOBILENET_V2_INPUT_SHAPE], 0, 1, "float32", 1) as tf.Tensor4D;
  const trainXs = images(options.train.batchSize);
  const labels = tf.oneHot(
    tf.tensor1d(
      Array.from({ length: options.train.batchSize }, (_, i) => i % 5),
      "int32",
    ),
    5,
  );
  const optimizer = new ScheduledAdam(1e-4);
  // A full fine-tune trains every layer: nsfwjs saved its lower layers as frozen, so mark them all.
  for (const layer of model.layers) layer.trainable = true;
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  try {
    const infer = measureInference(base, options.infer);
    const train = measure(
      () =>
        tf.tidy(() => {
          const { value, grads } = tf.variableGrads(
            // BatchNorm in inference mode (frozen moving statistics), as fine-tuning runs it.
            () =>
              tf.losses.softmaxCrossEntropy(
                labels,
                model.apply(trainXs, { training: false }) as tf.Tensor,
              ) as tf.Scalar,
            variables,
          );
          optimizer.applyGradients(
            Object.entries(grads).map(([name, tensor]) => ({ name, tensor })),
          );
          value.dataSync();
        }),
      options.train,
    );
    return { infer, train };
  } finally {
    tf.dispose([trainXs, labels]);
    optimizer.dispose();
    head.dispose();
    base.dispose();
  }
}

/** Inference of the MobileNetV2 base alone (`base.predict`), as a frozen feature extractor runs it. */
export async function measureMobileNetV2Inference(options: ThroughputOptions): Promise<Throughput> {
  const base = await buildMobileNetV2Base();
  const xs = tf.randomUniform(
    [options.batchSize, ...MOBILENET_V2_INPUT_SHAPE],
    0,
    1,
    "float32",
    1,
  ) as tf.Tensor4D;
  try {
    return measure(() => tf.tidy(() => void (base.predict(xs) as tf.Tensor).dataSync()), options);
  } finally {
    xs.dispose();
    base.dispose();
  }
}
