import { loadMnistSplit } from "../data/mnist-digits";
import { buildLenet5Classifier, LENET5_INPUT_SHAPE } from "../model/lenet5";
import { tf } from "../tf/backend";
import { ScheduledAdam } from "../train/lr-schedule";

/**
 * Raw LeNet-5 speed on the active backend: training steps (forward, backward through every layer,
 * Adam update: what a full fine-tune does per batch) and inference, in images per second.
 *
 * Each measurement runs a few warm-up steps (kernel setup, JIT), then steps until both a minimum
 * number of steps and a minimum time are reached, and repeats that; the best repeat is reported,
 * as other processes on a shared machine can only ever slow a repeat down.
 */

export interface ThroughputOptions {
  batchSize: number;
  /** Each repeat lasts at least this long... */
  minSeconds: number;
  /** ...and at least this many steps. */
  minSteps: number;
  repeats: number;
  warmupSteps: number;
}

export interface Throughput {
  imagesPerSec: number;
  /** Steps and seconds of the best repeat. */
  steps: number;
  seconds: number;
  /** CPU time of the whole process (every thread) during the best repeat: what the speed cost. */
  cpuSeconds: number;
}

const CLASSES = [5, 6, 7, 8, 9];

/** Real digits, not noise: ReLU and max-pooling costs depend on the data a little. */
function sampleBatch(batchSize: number): { xs: tf.Tensor4D; labels: tf.Tensor2D } {
  const { train } = loadMnistSplit({
    classes: CLASSES,
    trainPerClass: Math.ceil(batchSize / CLASSES.length) + 1,
    validationFraction: 0,
    testPerClass: 1,
    seed: 1,
  });
  return tf.tidy(() => ({
    xs: tf.tensor4d(train.xs.subarray(0, batchSize * 784), [batchSize, ...LENET5_INPUT_SHAPE]),
    labels: tf.cast(
      tf.oneHot(tf.tensor1d(train.labels.subarray(0, batchSize), "int32"), CLASSES.length),
      "float32",
    ) as tf.Tensor2D,
  }));
}

export function measureLenet5Training(options: ThroughputOptions): Throughput {
  const model = buildLenet5Classifier({ numClasses: CLASSES.length, seed: 1 });
  // The optimizer trainRun uses (fused Adam on wasm).
  const optimizer = new ScheduledAdam(0.001);
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const { xs, labels } = sampleBatch(options.batchSize);
  const step = () =>
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(
        () =>
          tf.losses.softmaxCrossEntropy(
            labels,
            model.apply(xs, { training: true }) as tf.Tensor,
          ) as tf.Scalar,
        variables,
      );
      optimizer.applyGradients(Object.entries(grads).map(([name, tensor]) => ({ name, tensor })));
      // Reading the loss forces the step to finish on asynchronous backends too.
      value.dataSync();
    });
  try {
    return measure(step, options);
  } finally {
    tf.dispose([xs, labels]);
    optimizer.dispose();
    model.dispose();
  }
}

export function measureLenet5Inference(options: ThroughputOptions): Throughput {
  const model = buildLenet5Classifier({ numClasses: CLASSES.length, seed: 1 });
  const { xs, labels } = sampleBatch(options.batchSize);
  const step = () => tf.tidy(() => void (model.predict(xs) as tf.Tensor).dataSync());
  try {
    return measure(step, options);
  } finally {
    tf.dispose([xs, labels]);
    model.dispose();
  }
}

/** Warm-up, then repeats of at least minSteps and minSeconds; the best repeat counts. */
export function measure(step: () => void, options: ThroughputOptions): Throughput {
  for (let i = 0; i < options.warmupSteps; i++) step();
  let best: Throughput = { imagesPerSec: 0, steps: 0, seconds: 0, cpuSeconds: 0 };
  for (let repeat = 0; repeat < options.repeats; repeat++) {
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    let steps = 0;
    let seconds = 0;
    while (steps < options.minSteps || seconds < options.minSeconds) {
      step();
      steps += 1;
      seconds = (performance.now() - started) / 1000;
    }
    const cpu = process.cpuUsage(cpuBefore);
    const imagesPerSec = (steps * options.batchSize) / seconds;
    if (imagesPerSec > best.imagesPerSec)
      best = { imagesPerSec, steps, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
  }
  return best;
}
