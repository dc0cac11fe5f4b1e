import { z } from "zod";
import type { UploadedDatasetSpec } from "./run";

/**
 * The packed dataset file: how an imported dataset is stored on the server, sent to workers and
 * cached by them. One self-describing binary file, so a worker needs one download and one hash.
 *
 *   bytes 0..3    magic "TLDS"
 *   bytes 4..7    format version, uint32 little-endian (PACK_VERSION)
 *   bytes 8..11   header length H, uint32 little-endian
 *   bytes 12..    header: H bytes of UTF-8 JSON (PackHeader)
 *   then          train images: trainCount × height × width × channels uint8, NHWC row-major
 *                 train labels: trainCount × uint16 little-endian (index into classNames)
 *                 test images and labels, the same way, when the dataset has its own test split
 *
 * Pixels are stored at one size per dataset, so a run converts them to its base model's input
 * (size, channels, value range) when it loads them; the stored bytes never depend on the model.
 * The dataset's content hash is the sha256 of the whole file.
 */

export const PACK_MAGIC = "TLDS";
/** Content type of a packed dataset file in uploads and downloads. */
export const PACKED_DATASET_CONTENT_TYPE = "application/vnd.tlab.dataset";
export const PACK_VERSION = 1;
/** Labels are uint16: more classes than this cannot be stored. */
export const MAX_CLASSES = 65_535;
/** Class names are folder names or labels shown in tables; longer ones are a mistake or an attack. */
export const MAX_CLASS_NAME_LENGTH = 100;
const PREAMBLE_BYTES = 12;
const MAX_HEADER_BYTES = 16 * 1024 * 1024;

export type DatasetFormat = "imagefolder" | "idx";

export interface PackedSplit {
  count: number;
  /** count × height × width × channels, NHWC. */
  images: Uint8Array;
  labels: Uint16Array;
}

export interface PackedDataset {
  format: DatasetFormat;
  height: number;
  width: number;
  channels: 1 | 3;
  classNames: string[];
  train: PackedSplit;
  /** The dataset's own test split, when it came with one. */
  test: PackedSplit | null;
}

const PackHeader = z.object({
  format: z.enum(["imagefolder", "idx"]),
  height: z.number().int().min(1).max(16_384),
  width: z.number().int().min(1).max(16_384),
  channels: z.union([z.literal(1), z.literal(3)]),
  classNames: z.array(z.string()).min(2).max(MAX_CLASSES),
  trainCount: z.number().int().min(0),
  testCount: z.number().int().min(0).nullable(),
});
type PackHeader = z.infer<typeof PackHeader>;

/** Bad dataset content or a damaged packed file; the message names the problem. */
export class DatasetImportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DatasetImportError";
  }
}

/** Per class, in label order. */
export interface DatasetCounts {
  train: number[];
  test?: number[];
}

export function countsOf(dataset: PackedDataset): DatasetCounts {
  const count = (split: PackedSplit) => {
    const counts = new Array<number>(dataset.classNames.length).fill(0);
    for (const label of split.labels) counts[label] = (counts[label] ?? 0) + 1;
    return counts;
  };
  return dataset.test
    ? { train: count(dataset.train), test: count(dataset.test) }
    : { train: count(dataset.train) };
}

/**
 * Checks what an import produced before anything is stored: at least two classes with distinct,
 * non-empty names; every class has training images (and test images, with a test split); labels
 * and pixel buffers agree with the counts.
 */
export function validateDataset(dataset: PackedDataset): void {
  const { classNames } = dataset;
  if (classNames.length < 2)
    throw new DatasetImportError(
      `a dataset needs at least 2 classes, found ${classNames.length}${classNames.length ? ` (${classNames.join(", ")})` : ""}`,
    );
  if (classNames.length > MAX_CLASSES)
    throw new DatasetImportError(
      `a dataset can have at most ${MAX_CLASSES} classes, found ${classNames.length}`,
    );
  const blank = classNames.findIndex((name) => name.trim() === "");
  if (blank >= 0) throw new DatasetImportError(`class ${blank} has an empty name`);
  const long = classNames.find((name) => name.length > MAX_CLASS_NAME_LENGTH);
  if (long !== undefined)
    throw new DatasetImportError(
      `class name "${long.slice(0, 40)}…" is ${long.length} characters; class names are at most ${MAX_CLASS_NAME_LENGTH}`,
    );
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point: they are rejected.
  const control = classNames.find((name) => /[\u0000-\u001f\u007f]/.test(name));
  if (control !== undefined)
    throw new DatasetImportError(
      `class name ${JSON.stringify(control)} contains a control character`,
    );
  const seen = new Set<string>();
  for (const name of classNames) {
    if (seen.has(name)) throw new DatasetImportError(`class name "${name}" appears twice`);
    seen.add(name);
  }
  if (![1, 3].includes(dataset.channels))
    throw new DatasetImportError(`channels must be 1 or 3, got ${String(dataset.channels)}`);
  const pixels = dataset.height * dataset.width * dataset.channels;
  const splits: Array<[string, PackedSplit]> = [["train", dataset.train]];
  if (dataset.test) splits.push(["test", dataset.test]);
  for (const [name, split] of splits) {
    if (split.labels.length !== split.count)
      throw new DatasetImportError(
        `${name} split: ${split.labels.length} labels for ${split.count} images`,
      );
    if (split.images.length !== split.count * pixels) {
      throw new DatasetImportError(
        `${name} split: ${split.images.length} pixel bytes, expected ${split.count} × ${dataset.height}×${dataset.width}×${dataset.channels}`,
      );
    }
    const bad = split.labels.findIndex((label) => label >= classNames.length);
    if (bad >= 0)
      throw new DatasetImportError(
        `${name} split: image ${bad} has label ${split.labels[bad]}, but there are only ${classNames.length} classes`,
      );
  }
  const counts = countsOf(dataset);
  const emptyIn = (perClass: number[]) => classNames.filter((_, i) => perClass[i] === 0);
  const emptyTrain = emptyIn(counts.train);
  if (emptyTrain.length > 0)
    throw new DatasetImportError(
      `empty class: ${emptyTrain.map((n) => `"${n}"`).join(", ")} ${emptyTrain.length === 1 ? "has" : "have"} no training images`,
    );
  if (counts.test) {
    const emptyTest = emptyIn(counts.test);
    if (emptyTest.length > 0)
      throw new DatasetImportError(
        `empty class: ${emptyTest.map((n) => `"${n}"`).join(", ")} ${emptyTest.length === 1 ? "has" : "have"} no test images`,
      );
  }
}

/** Serializes a validated dataset into the packed file format. */
export function packDataset(dataset: PackedDataset): Uint8Array {
  validateDataset(dataset);
  const header: PackHeader = {
    format: dataset.format,
    height: dataset.height,
    width: dataset.width,
    channels: dataset.channels,
    classNames: dataset.classNames,
    trainCount: dataset.train.count,
    testCount: dataset.test ? dataset.test.count : null,
  };
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const splits = dataset.test ? [dataset.train, dataset.test] : [dataset.train];
  const total =
    PREAMBLE_BYTES +
    headerBytes.length +
    splits.reduce((n, s) => n + s.images.length + 2 * s.count, 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  out.set(new TextEncoder().encode(PACK_MAGIC), 0);
  view.setUint32(4, PACK_VERSION, true);
  view.setUint32(8, headerBytes.length, true);
  out.set(headerBytes, PREAMBLE_BYTES);
  let offset = PREAMBLE_BYTES + headerBytes.length;
  for (const split of splits) {
    out.set(split.images, offset);
    offset += split.images.length;
    for (const label of split.labels) {
      view.setUint16(offset, label, true);
      offset += 2;
    }
  }
  return out;
}

/** Reads a packed file back, checking its structure and contents; throws DatasetImportError when damaged. */
export function unpackDataset(bytes: Uint8Array): PackedDataset {
  if (
    bytes.length < PREAMBLE_BYTES ||
    new TextDecoder().decode(bytes.subarray(0, 4)) !== PACK_MAGIC
  ) {
    throw new DatasetImportError(
      `not a packed Transfer Lab dataset (expected the magic "${PACK_MAGIC}" at the start)`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(4, true);
  if (version !== PACK_VERSION)
    throw new DatasetImportError(
      `packed dataset version ${version} is not supported (this build reads version ${PACK_VERSION})`,
    );
  const headerLength = view.getUint32(8, true);
  if (headerLength > MAX_HEADER_BYTES || PREAMBLE_BYTES + headerLength > bytes.length) {
    throw new DatasetImportError(
      `packed dataset header length ${headerLength} does not fit in a ${bytes.length}-byte file`,
    );
  }
  let header: PackHeader;
  try {
    header = PackHeader.parse(
      JSON.parse(
        new TextDecoder().decode(bytes.subarray(PREAMBLE_BYTES, PREAMBLE_BYTES + headerLength)),
      ),
    );
  } catch (error) {
    throw new DatasetImportError(
      `packed dataset header is invalid: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const pixels = header.height * header.width * header.channels;
  const counts =
    header.testCount === null ? [header.trainCount] : [header.trainCount, header.testCount];
  const expected = PREAMBLE_BYTES + headerLength + counts.reduce((n, c) => n + c * (pixels + 2), 0);
  if (bytes.length !== expected) {
    throw new DatasetImportError(
      `packed dataset is ${bytes.length} bytes but its header describes ${expected} (truncated or damaged?)`,
    );
  }
  let offset = PREAMBLE_BYTES + headerLength;
  const readSplit = (count: number): PackedSplit => {
    const images = bytes.subarray(offset, offset + count * pixels);
    offset += count * pixels;
    const labels = new Uint16Array(count);
    for (let i = 0; i < count; i++) labels[i] = view.getUint16(offset + 2 * i, true);
    offset += 2 * count;
    return { count, images, labels };
  };
  const train = readSplit(header.trainCount);
  const test = header.testCount === null ? null : readSplit(header.testCount);
  const dataset: PackedDataset = {
    format: header.format,
    height: header.height,
    width: header.width,
    channels: header.channels,
    classNames: header.classNames,
    train,
    test,
  };
  validateDataset(dataset);
  return dataset;
}

/** Lowercase hex sha256, through Web Crypto so this module runs in Node and browsers alike. */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The catalog entry of a packed file: what the API stores as Dataset.spec. */
export async function uploadedDatasetSpec(
  packed: Uint8Array,
  dataset: PackedDataset = unpackDataset(packed),
): Promise<UploadedDatasetSpec> {
  return {
    source: "upload",
    format: dataset.format,
    sha256: await sha256Hex(packed),
    sizeBytes: packed.length,
    imageShape: [dataset.height, dataset.width, dataset.channels],
    numClasses: dataset.classNames.length,
    counts: countsOf(dataset),
    hasTestSplit: dataset.test !== null,
  };
}

/** Per-class counts as a plain-text table, for the CLI's report. */
export function formatCountsTable(classNames: readonly string[], counts: DatasetCounts): string {
  const rows = classNames.map((name, i) => [
    name,
    String(counts.train[i] ?? 0),
    ...(counts.test ? [String(counts.test[i] ?? 0)] : []),
  ]);
  const total = (list: number[]) => String(list.reduce((a, b) => a + b, 0));
  const head = ["class", "train", ...(counts.test ? ["test"] : [])];
  const foot = ["total", total(counts.train), ...(counts.test ? [total(counts.test)] : [])];
  const all = [head, ...rows, foot];
  const widths = head.map((_, c) => Math.max(...all.map((row) => row[c]!.length)));
  const line = (row: string[]) =>
    row
      .map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)))
      .join("  ");
  return [line(head), ...rows.map(line), line(foot)].join("\n");
}
