import type { PackedDataset, PackedSplit } from "@tlab/core/dataset-pack";
import type { InputPreprocessing } from "@tlab/core/layers-model-json";
import { DatasetError, type ImageSet, type MnistSplit } from "./mnist-digits";
import { toModelInput, type ImageShape } from "./model-input";
import { deriveSeed, mulberry32, permutation } from "./seeded-random";

export interface UploadedSplitOptions {
  /** Labelled images per class, split into train and validation. */
  trainPerClass: number;
  /** Share of the labelled images per class held out for validation, in [0, 1). */
  validationFraction: number;
  /** Test images per class (at most that many when the dataset has its own test split). */
  testPerClass: number;
  seed: number;
  /** The base model's input: images are converted to it. */
  inputShape: ImageShape;
  preprocessing: InputPreprocessing;
}

/**
 * A deterministic train/validation/test split of an uploaded dataset, converted to the model's
 * input, by the same rules as loadMnistSplit: per class, the class's images in a seeded random
 * order; the first testPerClass are the test set, the next trainPerClass the labelled pool whose
 * last round(trainPerClass × validationFraction) go to validation. With the dataset's own test
 * split, the pool comes from its training split and the test set is up to testPerClass images
 * per class of its test split, also in a seeded order. The sets never share an image, and the
 * test set of a seed does not depend on the training budget.
 */
export function splitUploadedDataset(
  dataset: PackedDataset,
  options: UploadedSplitOptions,
): MnistSplit {
  validate(options);
  const { trainPerClass, validationFraction, testPerClass, seed } = options;
  const valPerClass = Math.round(trainPerClass * validationFraction);
  const trainByClass = indicesByClass(dataset.train, dataset.classNames.length);
  const testByClass = dataset.test ? indicesByClass(dataset.test, dataset.classNames.length) : null;
  const picks = { train: [] as Pick[], val: [] as Pick[], test: [] as Pick[] };

  dataset.classNames.forEach((className, label) => {
    const own = trainByClass[label]!;
    const needed = trainPerClass + (testByClass ? 0 : testPerClass);
    if (own.length < needed) {
      throw new DatasetError(
        testByClass
          ? `class "${className}" has ${own.length} training images but trainPerClass is ${trainPerClass}; lower it`
          : `class "${className}" has ${own.length} images but trainPerClass (${trainPerClass}) + testPerClass (${testPerClass}) = ${needed}; lower one of them`,
      );
    }
    const order = permutation(own.length, mulberry32(deriveSeed(seed, label)));
    const take = (
      from: number,
      to: number,
      split: "train" | "test" = "train",
      indices = own,
      o = order,
    ) => Array.from(o.subarray(from, to), (i) => ({ split, index: indices[i]!, label }));
    const poolStart = testByClass ? 0 : testPerClass;
    if (testByClass) {
      const ownTest = testByClass[label]!;
      const testOrder = permutation(ownTest.length, mulberry32(deriveSeed(seed, 10_000 + label)));
      picks.test.push(
        ...take(0, Math.min(testPerClass, ownTest.length), "test", ownTest, testOrder),
      );
    } else {
      picks.test.push(...take(0, testPerClass));
    }
    picks.train.push(...take(poolStart, poolStart + trainPerClass - valPerClass));
    picks.val.push(...take(poolStart + trainPerClass - valPerClass, poolStart + trainPerClass));
  });

  const convert = (list: Pick[], orderSeed: number) =>
    toImageSet(dataset, list, orderSeed, options);
  return {
    train: convert(picks.train, deriveSeed(seed, 1_000)),
    val: convert(picks.val, deriveSeed(seed, 1_001)),
    test: convert(picks.test, deriveSeed(seed, 1_002)),
    classNames: dataset.classNames,
  };
}

interface Pick {
  split: "train" | "test";
  index: number;
  label: number;
}

function indicesByClass(split: PackedSplit, numClasses: number): number[][] {
  const byClass = Array.from({ length: numClasses }, () => [] as number[]);
  split.labels.forEach((label, i) => {
    byClass[label]!.push(i);
  });
  return byClass;
}

/** Converts the picked images into one buffer, interleaving classes in a seeded order. */
function toImageSet(
  dataset: PackedDataset,
  picks: Pick[],
  seed: number,
  options: UploadedSplitOptions,
): ImageSet {
  const order = permutation(picks.length, mulberry32(seed));
  const ordered = Array.from(order, (i) => picks[i]!);
  const shape: ImageShape = [dataset.height, dataset.width, dataset.channels];
  const pixels = options.inputShape[0] * options.inputShape[1] * options.inputShape[2];
  const xs = new Float32Array(ordered.length * pixels);
  const labels = new Int32Array(ordered.length);
  for (const split of ["train", "test"] as const) {
    const source = split === "train" ? dataset.train : dataset.test;
    const positions = ordered.flatMap((pick, i) => (pick.split === split ? [i] : []));
    if (!source || positions.length === 0) continue;
    const converted = toModelInput(
      { data: source.images, shape, scale: 1 / 255 },
      positions.map((i) => ordered[i]!.index),
      options.inputShape,
      options.preprocessing,
    );
    positions.forEach((position, k) => {
      xs.set(converted.subarray(k * pixels, (k + 1) * pixels), position * pixels);
    });
  }
  ordered.forEach((pick, i) => {
    labels[i] = pick.label;
  });
  return { xs, labels, count: ordered.length };
}

function validate({
  trainPerClass,
  validationFraction,
  testPerClass,
  seed,
}: UploadedSplitOptions): void {
  if (!Number.isInteger(trainPerClass) || trainPerClass < 1)
    throw new DatasetError(`trainPerClass must be a positive integer, got ${trainPerClass}`);
  if (!Number.isInteger(testPerClass) || testPerClass < 1)
    throw new DatasetError(`testPerClass must be a positive integer, got ${testPerClass}`);
  if (!(validationFraction >= 0 && validationFraction < 1))
    throw new DatasetError(`validationFraction must be in [0, 1), got ${validationFraction}`);
  if (trainPerClass - Math.round(trainPerClass * validationFraction) < 1) {
    throw new DatasetError(
      `validationFraction ${validationFraction} of trainPerClass ${trainPerClass} leaves no training image per class`,
    );
  }
  if (!Number.isInteger(seed)) throw new DatasetError(`seed must be an integer, got ${seed}`);
}
