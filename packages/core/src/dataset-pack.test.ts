import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  countsOf,
  DatasetImportError,
  formatCountsTable,
  packDataset,
  sha256Hex,
  unpackDataset,
  uploadedDatasetSpec,
  validateDataset,
  type PackedDataset,
} from "./dataset-pack";

function dataset(overrides: Partial<PackedDataset> = {}): PackedDataset {
  const pixels = 2 * 2 * 3;
  return {
    format: "imagefolder",
    height: 2,
    width: 2,
    channels: 3,
    classNames: ["cat", "dog"],
    train: {
      count: 3,
      images: Uint8Array.from({ length: 3 * pixels }, (_, i) => i),
      labels: Uint16Array.from([0, 1, 1]),
    },
    test: {
      count: 2,
      images: Uint8Array.from({ length: 2 * pixels }, (_, i) => 255 - i),
      labels: Uint16Array.from([1, 0]),
    },
    ...overrides,
  };
}

describe("packed dataset files", () => {
  it("round-trips every field and pixel", () => {
    const original = dataset();
    const restored = unpackDataset(packDataset(original));
    expect(restored.classNames).toEqual(original.classNames);
    expect([restored.height, restored.width, restored.channels, restored.format]).toEqual([
      2,
      2,
      3,
      "imagefolder",
    ]);
    expect(Array.from(restored.train.images)).toEqual(Array.from(original.train.images));
    expect(Array.from(restored.train.labels)).toEqual([0, 1, 1]);
    expect(Array.from(restored.test!.images)).toEqual(Array.from(original.test!.images));
    expect(Array.from(restored.test!.labels)).toEqual([1, 0]);
    expect(unpackDataset(packDataset(dataset({ test: null }))).test).toBeNull();
  });

  it("hashes the packed bytes with sha256, so equal content gives equal hashes", async () => {
    const packed = packDataset(dataset());
    const hash = await sha256Hex(packed);
    expect(hash).toBe(createHash("sha256").update(packed).digest("hex"));
    expect(await sha256Hex(packDataset(dataset()))).toBe(hash);
    const changed = dataset();
    changed.train.images[0] = 99;
    expect(await sha256Hex(packDataset(changed))).not.toBe(hash);
    const spec = await uploadedDatasetSpec(packed);
    expect(spec).toEqual({
      source: "upload",
      format: "imagefolder",
      sha256: hash,
      sizeBytes: packed.length,
      imageShape: [2, 2, 3],
      numClasses: 2,
      counts: { train: [1, 2], test: [1, 1] },
      hasTestSplit: true,
    });
  });

  it("refuses damaged files with a reason", () => {
    const packed = packDataset(dataset());
    expect(() => unpackDataset(packed.subarray(0, packed.length - 1))).toThrow(
      /truncated or damaged/,
    );
    expect(() => unpackDataset(new TextEncoder().encode("PK\u0003\u0004 a zip"))).toThrow(
      /not a packed Transfer Lab dataset/,
    );
  });

  it("refuses empty classes and labels out of range", () => {
    expect(() => validateDataset(dataset({ classNames: ["cat", "dog", "bird"] }))).toThrow(
      DatasetImportError,
    );
    expect(() => validateDataset(dataset({ classNames: ["cat", "dog", "bird"] }))).toThrow(
      /empty class: "bird" has no training images/,
    );
    const badLabel = dataset();
    badLabel.train.labels[1] = 7;
    expect(() => validateDataset(badLabel)).toThrow(
      /image 1 has label 7, but there are only 2 classes/,
    );
    expect(() => validateDataset(dataset({ classNames: ["cat", "cat"] }))).toThrow(
      /"cat" appears twice/,
    );
    expect(() => validateDataset(dataset({ classNames: ["cat", "d".repeat(101)] }))).toThrow(
      /is 101 characters; class names are at most 100/,
    );
    expect(() => validateDataset(dataset({ classNames: ["cat", "dog\u0000"] }))).toThrow(
      /class name "dog\\u0000" contains a control character/,
    );
  });

  it("reports per-class counts as a table", () => {
    const table = formatCountsTable(["cat", "dog"], countsOf(dataset()));
    expect(table.split("\n")).toEqual([
      "class  train  test",
      "cat        1     1",
      "dog        2     1",
      "total      3     2",
    ]);
  });
});
