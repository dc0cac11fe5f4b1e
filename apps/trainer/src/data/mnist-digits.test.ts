import { describe, expect, it } from "vitest";
import { MNIST_IMAGES_PER_DIGIT } from "@tlab/core/mnist-digit-counts";
import { splitBudgetProblem } from "@tlab/core/split-budget";
import {
  DatasetError,
  loadMnistSplit,
  MNIST_PIXELS,
  mnistDigitCounts,
  type ImageSet,
} from "./mnist-digits";
import { deriveSeed, mulberry32, permutation } from "./seeded-random";

const options = {
  classes: [5, 6, 7, 8, 9],
  trainPerClass: 60,
  validationFraction: 0.25,
  testPerClass: 40,
  seed: 7,
};

/** A content fingerprint per image, to compare sets without relying on how they were drawn. */
function fingerprints(set: ImageSet): string[] {
  const out: string[] = [];
  for (let i = 0; i < set.count; i++) {
    const image = set.xs.subarray(i * MNIST_PIXELS, (i + 1) * MNIST_PIXELS);
    let h = 0;
    for (let p = 0; p < image.length; p++) h = (Math.imul(h, 31) + Math.round(image[p]! * 255)) | 0;
    out.push(`${set.labels[i]}:${h}`);
  }
  return out;
}

/** Bitwise equality of two typed arrays (far faster than a deep toEqual on 100k+ floats). */
function sameBytes(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  );
}

function countsPerLabel(set: ImageSet, labels: number): number[] {
  const counts = new Array<number>(labels).fill(0);
  for (const label of set.labels) counts[label]! += 1;
  return counts;
}

describe("seeded random", () => {
  it("repeats a sequence for a seed and differs across seeds", () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const c = mulberry32(43);
    const seqA = Array.from({ length: 20 }, a);
    expect(Array.from({ length: 20 }, b)).toEqual(seqA);
    expect(Array.from({ length: 20 }, c)).not.toEqual(seqA);
    expect(seqA.every((v) => v >= 0 && v < 1)).toBe(true);
  });

  it("derives distinct streams per label and permutes without losing items", () => {
    expect(deriveSeed(1, 2, 3)).not.toBe(deriveSeed(1, 3, 2));
    expect(deriveSeed(1, 2)).toBe(deriveSeed(1, 2));
    const order = permutation(1000, mulberry32(5));
    expect([...order].sort((x, y) => x - y)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });
});

describe("loadMnistSplit", () => {
  it("draws the requested number of images per class, with labels indexing `classes`", () => {
    const split = loadMnistSplit(options);
    expect(split.classNames).toEqual(["5", "6", "7", "8", "9"]);
    expect(split.train.count).toBe(5 * 45);
    expect(split.val.count).toBe(5 * 15);
    expect(split.test.count).toBe(5 * 40);
    expect(countsPerLabel(split.train, 5)).toEqual([45, 45, 45, 45, 45]);
    expect(countsPerLabel(split.val, 5)).toEqual([15, 15, 15, 15, 15]);
    expect(countsPerLabel(split.test, 5)).toEqual([40, 40, 40, 40, 40]);
    for (const set of [split.train, split.val, split.test]) {
      expect(set.xs.length).toBe(set.count * MNIST_PIXELS);
      expect(set.xs.every((v) => v >= 0 && v <= 1)).toBe(true);
      expect(set.xs.some((v) => v > 0.5)).toBe(true);
    }
  });

  it("keeps train, validation and test disjoint", () => {
    const split = loadMnistSplit(options);
    const train = new Set(fingerprints(split.train));
    const val = new Set(fingerprints(split.val));
    const test = fingerprints(split.test);
    expect(test.filter((f) => train.has(f) || val.has(f))).toEqual([]);
    expect([...val].filter((f) => train.has(f))).toEqual([]);
  });

  it("is a pure function of its options", () => {
    const a = loadMnistSplit(options);
    const b = loadMnistSplit(options);
    expect(sameBytes(b.train.xs, a.train.xs)).toBe(true);
    expect(b.train.labels).toEqual(a.train.labels);
    expect(sameBytes(b.val.xs, a.val.xs)).toBe(true);
    expect(sameBytes(b.test.xs, a.test.xs)).toBe(true);
    const other = loadMnistSplit({ ...options, seed: 8 });
    expect(sameBytes(other.train.xs, a.train.xs)).toBe(false);
  });

  it("keeps the test set fixed when only the training budget changes", () => {
    const small = loadMnistSplit(options);
    const large = loadMnistSplit({ ...options, trainPerClass: 300, validationFraction: 0.1 });
    expect(sameBytes(large.test.xs, small.test.xs)).toBe(true);
  });

  it("rejects impossible requests with the field named", () => {
    const smallest = Math.min(...mnistDigitCounts());
    expect(() => loadMnistSplit({ ...options, trainPerClass: smallest })).toThrow(
      /trainPerClass.*testPerClass/,
    );
    expect(() => loadMnistSplit({ ...options, classes: [3, 3] })).toThrow(DatasetError);
    expect(() => loadMnistSplit({ ...options, classes: [1, 10] })).toThrow(
      /classes must be digits/,
    );
    expect(() => loadMnistSplit({ ...options, validationFraction: 1 })).toThrow(
      /validationFraction/,
    );
  });

  it("has the per-digit counts the launch check refuses impossible budgets by", () => {
    expect(mnistDigitCounts()).toEqual(MNIST_IMAGES_PER_DIGIT);
    // The launch check and the loader draw the line at the same budget.
    const spec = { source: "mnist" as const, classes: options.classes };
    const classNames = options.classes.map(String);
    const fits = {
      ...options,
      trainPerClass:
        Math.min(...options.classes.map((d) => mnistDigitCounts()[d]!)) - options.testPerClass,
    };
    const tooMany = { ...fits, trainPerClass: fits.trainPerClass + 1 };
    expect(splitBudgetProblem(spec, classNames, fits)).toBeNull();
    expect(loadMnistSplit(fits).test.count).toBe(options.classes.length * options.testPerClass);
    expect(splitBudgetProblem(spec, classNames, tooMany)).toMatch(/^trainPerClass: /);
    expect(() => loadMnistSplit(tooMany)).toThrow(DatasetError);
  });
});
