import { deriveSeed } from "../data/seeded-random";
import { tf } from "../tf/backend";

/**
 * LeNet-5 for 28×28 greyscale digits, in its common modern form (ReLU, max pooling). conv1 uses
 * "same" padding so a 28×28 input plays the role of the original 32×32 one.
 *
 *   input 28×28×1 → conv1 5×5×6 → pool1 → conv2 5×5×16 → pool2 → flatten (400) → fc1 120 → fc2 84
 *   [→ logits]  (≈ 61.7k parameters with a 10-way classifier)
 *
 * Layer names are part of the contract: strategies freeze and cut by name, and the names are what
 * users see in the layer table. The classifier `logits` exists only in the pretraining model; the
 * saved base ends at fc2, whose 84 features every transfer head reads.
 */

export const LENET5_INPUT_SHAPE: [number, number, number] = [28, 28, 1];
export const LENET5_BASE_OUTPUT = "fc2";
export const LENET5_CLASSIFIER = "logits";

export interface Lenet5Options {
  numClasses: number;
  /** Seeds every initializer, so the same seed gives the same starting weights. */
  seed: number;
}

/** The pretraining network: base plus a linear `logits` layer (train with softmax cross-entropy). */
export function buildLenet5Classifier({ numClasses, seed }: Lenet5Options): tf.LayersModel {
  const he = (layer: number) => tf.initializers.heNormal({ seed: deriveSeed(seed, layer) });
  const input = tf.input({ shape: LENET5_INPUT_SHAPE, name: "input" });
  const layers: tf.layers.Layer[] = [
    tf.layers.conv2d({
      name: "conv1",
      filters: 6,
      kernelSize: 5,
      padding: "same",
      activation: "relu",
      kernelInitializer: he(1),
    }),
    tf.layers.maxPooling2d({ name: "pool1", poolSize: 2, strides: 2 }),
    tf.layers.conv2d({
      name: "conv2",
      filters: 16,
      kernelSize: 5,
      padding: "valid",
      activation: "relu",
      kernelInitializer: he(2),
    }),
    tf.layers.maxPooling2d({ name: "pool2", poolSize: 2, strides: 2 }),
    tf.layers.flatten({ name: "flatten" }),
    tf.layers.dense({ name: "fc1", units: 120, activation: "relu", kernelInitializer: he(3) }),
    tf.layers.dense({
      name: LENET5_BASE_OUTPUT,
      units: 84,
      activation: "relu",
      kernelInitializer: he(4),
    }),
    tf.layers.dense({
      name: LENET5_CLASSIFIER,
      units: numClasses,
      kernelInitializer: tf.initializers.glorotUniform({ seed: deriveSeed(seed, 5) }),
    }),
  ];
  let output = input;
  for (const layer of layers) output = layer.apply(output) as tf.SymbolicTensor;
  return tf.model({ name: "lenet5_classifier", inputs: input, outputs: output });
}

/**
 * The reusable base of a trained classifier: everything up to fc2. It shares the classifier's
 * layers (and so its weights) rather than copying them.
 */
export function lenet5Base(classifier: tf.LayersModel, name = "lenet5_base"): tf.LayersModel {
  return tf.model({
    name,
    inputs: classifier.inputs,
    outputs: classifier.getLayer(LENET5_BASE_OUTPUT).output,
  });
}
