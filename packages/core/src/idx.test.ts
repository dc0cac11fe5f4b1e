import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { DatasetImportError } from "./dataset-pack";
import { datasetFromIdx, encodeIdx, maybeGunzip, parseIdx } from "./idx";

/** 6 images of 2×3 pixels, labels 0,1,2,0,1,2. */
const IMAGES = encodeIdx(
  "uint8",
  [6, 2, 3],
  Array.from({ length: 36 }, (_, i) => (i * 7) % 256),
);
const LABELS = encodeIdx("uint8", [6], [0, 1, 2, 0, 1, 2]);

const files = (images: Uint8Array, labels: Uint8Array) => ({
  images: parseIdx(images, "images"),
  labels: parseIdx(labels, "labels"),
  imagesName: "images",
  labelsName: "labels",
});

describe("IDX parsing", () => {
  it("reads plain and gzipped files alike", async () => {
    const plain = parseIdx(await maybeGunzip(IMAGES, "images"), "images");
    const gzipped = parseIdx(
      await maybeGunzip(new Uint8Array(gzipSync(IMAGES)), "images.gz"),
      "images.gz",
    );
    expect(plain.type).toBe("uint8");
    expect(plain.shape).toEqual([6, 2, 3]);
    expect(gzipped.shape).toEqual(plain.shape);
    expect(Array.from(gzipped.data)).toEqual(Array.from(plain.data));
  });

  it("rejects a bad magic, naming the file and what was found", () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]);
    expect(() => parseIdx(png, "--images pics.png")).toThrow(DatasetImportError);
    expect(() => parseIdx(png, "--images pics.png")).toThrow(
      /--images pics\.png: bad IDX magic \(got 0x89 0x50 0x4e 0x47/,
    );
    expect(() => parseIdx(new Uint8Array(0), "empty")).toThrow(/bad IDX magic \(got an empty file/);
  });

  it("rejects a truncated file", () => {
    expect(() => parseIdx(IMAGES.subarray(0, IMAGES.length - 1), "images")).toThrow(
      /describes uint8 \[6, 2, 3\] = 52 bytes but the file has 51/,
    );
  });

  it("builds a dataset with one class per label and its own test split", () => {
    const dataset = datasetFromIdx({
      train: files(IMAGES, LABELS),
      test: files(IMAGES, LABELS),
      classNames: ["a", "b", "c"],
    });
    expect(dataset).toMatchObject({
      format: "idx",
      height: 2,
      width: 3,
      channels: 1,
      classNames: ["a", "b", "c"],
    });
    expect(dataset.train.count).toBe(6);
    expect(Array.from(dataset.test!.labels)).toEqual([0, 1, 2, 0, 1, 2]);
  });

  it("rejects images and labels whose counts differ", () => {
    const fiveLabels = encodeIdx("uint8", [5], [0, 1, 2, 0, 1]);
    expect(() => datasetFromIdx({ train: files(IMAGES, fiveLabels) })).toThrow(
      /count mismatch: images has 6 images but labels has 5 labels/,
    );
  });

  it("rejects labels given as images and class names of the wrong length", () => {
    expect(() => datasetFromIdx({ train: files(LABELS, LABELS) })).toThrow(
      /images must have 3 dimensions/,
    );
    expect(() => datasetFromIdx({ train: files(IMAGES, LABELS), classNames: ["a", "b"] })).toThrow(
      /2 given but the labels go from 0 to 2/,
    );
  });
});
