import type { HeadConfig } from "@tlab/core/strategy";
import { deriveSeed } from "../data/seeded-random";
import { tf } from "../tf/backend";

/**
 * The new classifier put on the base's features. Its layers are plain tfjs layers so the trained
 * model can be saved as one LayersModel; the training loop applies them itself (see applyHead)
 * to make dropout reproducible.
 *
 *   [head_hidden: dense(hiddenUnits, relu)] → [head_dropout] → head_output: dense(classes, linear)
 *
 * softmax: head_output gives logits, trained with softmax cross-entropy; the saved model adds a
 *          `head_softmax` activation so it outputs probabilities.
 * svm:     head_output gives one score per class, trained with the squared hinge loss against
 *          targets of +1 (true class) and -1 (others): a linear one-vs-rest SVM on the features.
 */
export interface Head {
  config: HeadConfig;
  /** Applied in order to the features; all are built once `attach` has run. */
  layers: tf.layers.Layer[];
  /** Mean loss of a batch of raw outputs against integer labels. */
  loss: (scores: tf.Tensor2D, labels: tf.Tensor1D) => tf.Scalar;
  /** Sum (not mean) of the per-example loss, for exact averages over uneven batches. */
  lossSum: (scores: tf.Tensor2D, labels: tf.Tensor1D) => tf.Scalar;
  numClasses: number;
}

export function buildHead(config: HeadConfig, numClasses: number, seed: number): Head {
  const layers: tf.layers.Layer[] = [];
  if (config.hiddenUnits > 0) {
    layers.push(
      tf.layers.dense({
        name: "head_hidden",
        units: config.hiddenUnits,
        activation: "relu",
        kernelInitializer: tf.initializers.heNormal({ seed: deriveSeed(seed, 13, 1) }),
      }),
    );
  }
  if (config.dropout > 0) {
    // Unseeded on purpose: a seeded tfjs Dropout layer draws the same mask for every batch.
    // applyHead draws a fresh seeded mask per batch instead.
    layers.push(tf.layers.dropout({ name: "head_dropout", rate: config.dropout }));
  }
  layers.push(
    tf.layers.dense({
      name: "head_output",
      units: numClasses,
      kernelInitializer: tf.initializers.glorotUniform({ seed: deriveSeed(seed, 13, 2) }),
    }),
  );
  const perExample =
    config.type === "svm" ? squaredHinge(numClasses) : softmaxCrossEntropy(numClasses);
  return {
    config,
    layers,
    numClasses,
    loss: (scores, labels) => tf.tidy(() => tf.mean(perExample(scores, labels))),
    lossSum: (scores, labels) => tf.tidy(() => tf.sum(perExample(scores, labels))),
  };
}

/**
 * Connects the head to a symbolic feature tensor (building its weights) and returns the model
 * output: probabilities for a softmax head, scores for an SVM head. Call once per head: each
 * symbolic call adds a reference that disposeHead releases.
 */
export function attachHead(head: Head, features: tf.SymbolicTensor): tf.SymbolicTensor {
  let x = features;
  for (const layer of head.layers) x = layer.apply(x) as tf.SymbolicTensor;
  if (head.config.type === "softmax") {
    x = tf.layers
      .activation({ name: "head_softmax", activation: "softmax" })
      .apply(x) as tf.SymbolicTensor;
  }
  return x;
}

/**
 * Runs the head on concrete features. In training, dropout masks come from `dropoutSeed` (one
 * seed per batch), so a run repeats exactly; at inference dropout is the identity.
 */
export function applyHead(
  head: Head,
  features: tf.Tensor,
  training: { dropoutSeed: number } | false,
): tf.Tensor2D {
  return tf.tidy(() => {
    let x = features;
    head.layers.forEach((layer, index) => {
      if (layer.getClassName() === "Dropout") {
        if (training) {
          const rate = head.config.dropout;
          x = tf.dropout(x, rate, undefined, deriveSeed(training.dropoutSeed, index));
        }
        return;
      }
      x = layer.apply(x) as tf.Tensor;
    });
    return x as tf.Tensor2D;
  });
}

export function headParamCount(head: Head): number {
  return head.layers.reduce((total, layer) => total + layer.countParams(), 0);
}

/** The head's trainable tf.Variables (the values behind its layers' weights). */
export function headVariables(head: Head): tf.Variable[] {
  return head.layers.flatMap((layer) => layer.trainableWeights.map((w) => w.read() as tf.Variable));
}

/** Frees the head's weights. Each layer was called symbolically exactly once (attachHead). */
export function disposeHead(head: Head): void {
  for (const layer of head.layers) if (layer.built) layer.dispose();
}

function softmaxCrossEntropy(numClasses: number) {
  return (logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Tensor1D =>
    tf.losses.softmaxCrossEntropy(
      tf.cast(tf.oneHot(labels, numClasses), "float32"),
      logits,
      undefined,
      undefined,
      tf.Reduction.NONE,
    ) as tf.Tensor1D;
}

/** Keras' squared_hinge: mean over classes of max(0, 1 - t·s)², with t = ±1. */
function squaredHinge(numClasses: number) {
  return (scores: tf.Tensor2D, labels: tf.Tensor1D): tf.Tensor1D => {
    const targets = tf.sub(tf.mul(tf.cast(tf.oneHot(labels, numClasses), "float32"), 2), 1);
    const margins = tf.relu(tf.sub(1, tf.mul(targets, scores)));
    return tf.mean(tf.square(margins), 1);
  };
}
