import { buildMobileNetV2Base, MOBILENET_V2_INPUT_SHAPE } from "../model/mobilenet-v2";
import { tf } from "../tf/backend";
import { ScheduledAdam } from "../train/lr-schedule";
import { measure, type Throughput, type ThroughputOptions } from "./lenet5-throughput";

/**
 * MobileNetV2 (the nsfwjs backbone) speed on the active backend: inference of the base, and full
 * fine-tune steps of base + a 5-way dense head, which exercise the depthwise-convolution gradient
 * kernels. 224×224 inputs make each step heavy, so budgets are small.
 */
export async function measureMobileNetV2(options: { infer: ThroughputOptions; train: ThroughputOptions }): Promise<{ infer: Throughput; train: Throughput }> {
  const base = await buildMobileNetV2Base();
  const head = tf.layers.dense({ units: 5, kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) });
  const model = tf.model({ inputs: base.inputs, outputs: head.apply(base.outputs[0]!) as tf.SymbolicTensor });
  const images = (batch: number) => tf.randomUniform([batch, ...MOBILENET_V2_INPUT_SHAPE], 0, 1, "float32", 1) as tf.Tensor4D;
  const inferXs = images(options.infer.batchSize);
  const trainXs = images(options.train.batchSize);
  const labels = tf.oneHot(tf.tensor1d(Array.from({ length: options.train.batchSize }, (_, i) => i % 5), "int32"), 5);
  const optimizer = new ScheduledAdam(1e-4);
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  try {
    const infer = measure(() => tf.tidy(() => void (base.predict(inferXs) as tf.Tensor).dataSync()), options.infer);
    const train = measure(
      () =>
        tf.tidy(() => {
          const { value, grads } = tf.variableGrads(
            () => tf.losses.softmaxCrossEntropy(labels, model.apply(trainXs, { training: true }) as tf.Tensor) as tf.Scalar,
            variables,
          );
          optimizer.applyGradients(Object.entries(grads).map(([name, tensor]) => ({ name, tensor })));
          value.dataSync();
        }),
      options.train,
    );
    return { infer, train };
  } finally {
    tf.dispose([inferXs, trainXs, labels]);
    optimizer.dispose();
    head.dispose();
    base.dispose();
  }
}

/** Inference of the MobileNetV2 base alone (`base.predict`), as a frozen feature extractor runs it. */
export async function measureMobileNetV2Inference(options: ThroughputOptions): Promise<Throughput> {
  const base = await buildMobileNetV2Base();
  const xs = tf.randomUniform([options.batchSize, ...MOBILENET_V2_INPUT_SHAPE], 0, 1, "float32", 1) as tf.Tensor4D;
  try {
    return measure(() => tf.tidy(() => void (base.predict(xs) as tf.Tensor).dataSync()), options);
  } finally {
    xs.dispose();
    base.dispose();
  }
}
