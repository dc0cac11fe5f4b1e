import { DatasetImportError, type PackedDataset, type PackedSplit } from "./dataset-pack";

/**
 * The IDX format of MNIST and Fashion-MNIST: two zero bytes, a type code, the number of
 * dimensions, each dimension as a big-endian uint32, then the values, big-endian. Files are
 * often gzipped (`train-images-idx3-ubyte.gz`); both forms are accepted.
 */

const IDX_TYPES = {
  0x08: { name: "uint8", bytes: 1 },
  0x09: { name: "int8", bytes: 1 },
  0x0b: { name: "int16", bytes: 2 },
  0x0c: { name: "int32", bytes: 4 },
  0x0d: { name: "float32", bytes: 4 },
  0x0e: { name: "float64", bytes: 8 },
} as const;
type IdxTypeCode = keyof typeof IDX_TYPES;
export type IdxType = (typeof IDX_TYPES)[IdxTypeCode]["name"];

export interface IdxArray {
  type: IdxType;
  shape: number[];
  /** The raw big-endian values after the header; read them with `idxValue`. */
  data: Uint8Array;
}

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Gunzips when the bytes start with the gzip magic, else returns them as they are. */
export async function maybeGunzip(bytes: Uint8Array, what: string): Promise<Uint8Array> {
  if (!isGzip(bytes)) return bytes;
  try {
    const stream = new Blob([bytes as Uint8Array<ArrayBuffer>])
      .stream()
      .pipeThrough(new DecompressionStream("gzip"));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (error) {
    throw new DatasetImportError(
      `${what}: looks gzipped but cannot be decompressed (${error instanceof Error ? error.message : String(error)})`,
    );
  }
}

/** Parses an (already decompressed) IDX file. `what` names the file in error messages. */
export function parseIdx(bytes: Uint8Array, what: string): IdxArray {
  const hex = (n: number) => `0x${n.toString(16).padStart(2, "0")}`;
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0 || !(bytes[2]! in IDX_TYPES)) {
    const got = Array.from(bytes.subarray(0, 4), hex).join(" ") || "an empty file";
    throw new DatasetImportError(
      `${what}: bad IDX magic (got ${got}; expected 0x00 0x00, a type code 0x08/0x09/0x0b/0x0c/0x0d/0x0e and the number of dimensions). Is this an IDX file?`,
    );
  }
  const type = IDX_TYPES[bytes[2] as IdxTypeCode];
  const ndims = bytes[3]!;
  if (ndims < 1) throw new DatasetImportError(`${what}: IDX header declares 0 dimensions`);
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes)
    throw new DatasetImportError(
      `${what}: truncated IDX header (${ndims} dimensions need ${headerBytes} bytes, file has ${bytes.length})`,
    );
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape = Array.from({ length: ndims }, (_, i) => view.getUint32(4 + 4 * i, false));
  const expected = headerBytes + shape.reduce((a, b) => a * b, 1) * type.bytes;
  if (bytes.length !== expected) {
    throw new DatasetImportError(
      `${what}: IDX header describes ${type.name} [${shape.join(", ")}] = ${expected} bytes but the file has ${bytes.length} (truncated or not IDX?)`,
    );
  }
  return { type: type.name, shape, data: bytes.subarray(headerBytes) };
}

/** Value i (flat index) of an IDX array as a number. */
export function idxValue(array: IdxArray, i: number): number {
  const view = new DataView(array.data.buffer, array.data.byteOffset, array.data.byteLength);
  switch (array.type) {
    case "uint8":
      return array.data[i]!;
    case "int8":
      return view.getInt8(i);
    case "int16":
      return view.getInt16(2 * i, false);
    case "int32":
      return view.getInt32(4 * i, false);
    case "float32":
      return view.getFloat32(4 * i, false);
    case "float64":
      return view.getFloat64(8 * i, false);
  }
}

export interface IdxSplitFiles {
  images: IdxArray;
  labels: IdxArray;
  /** File names for messages, e.g. "--images train-images-idx3-ubyte.gz". */
  imagesName: string;
  labelsName: string;
}

export interface IdxDatasetInput {
  train: IdxSplitFiles;
  test?: IdxSplitFiles;
  /** Names for labels 0..K-1; default: the label numbers as strings. */
  classNames?: string[];
}

/**
 * Builds a dataset from IDX images ([N, H, W] or [N, H, W, C] uint8 with C = 1 or 3) and labels
 * ([N], integers ≥ 0). Classes are the labels 0..max over both splits; a label in between that
 * no image has is an empty class and an error, as is any count or shape mismatch.
 */
export function datasetFromIdx(input: IdxDatasetInput): PackedDataset {
  const first = imageGeometry(input.train);
  if (input.test) {
    const test = imageGeometry(input.test);
    if (
      test.height !== first.height ||
      test.width !== first.width ||
      test.channels !== first.channels
    ) {
      throw new DatasetImportError(
        `${input.test.imagesName}: test images are ${test.height}×${test.width}×${test.channels} but training images are ${first.height}×${first.width}×${first.channels}`,
      );
    }
  }
  const train = toSplit(input.train, first.count);
  const test = input.test ? toSplit(input.test, imageGeometry(input.test).count) : null;
  let maxLabel = 0;
  for (const split of test ? [train, test] : [train])
    for (const label of split.labels) maxLabel = Math.max(maxLabel, label);
  const numClasses = maxLabel + 1;
  let classNames = Array.from({ length: numClasses }, (_, i) => String(i));
  if (input.classNames) {
    if (input.classNames.length !== numClasses) {
      throw new DatasetImportError(
        `class names: ${input.classNames.length} given but the labels go from 0 to ${maxLabel} (${numClasses} classes)`,
      );
    }
    classNames = input.classNames;
  }
  return {
    format: "idx",
    height: first.height,
    width: first.width,
    channels: first.channels,
    classNames,
    train,
    test,
  };
}

function imageGeometry(files: IdxSplitFiles): {
  count: number;
  height: number;
  width: number;
  channels: 1 | 3;
} {
  const { images, imagesName } = files;
  if (images.type !== "uint8")
    throw new DatasetImportError(
      `${imagesName}: images must be uint8 (type 0x08), got ${images.type}`,
    );
  const [count, height, width, channels = 1] = images.shape;
  if (
    (images.shape.length !== 3 && images.shape.length !== 4) ||
    count === undefined ||
    height === undefined ||
    width === undefined
  ) {
    throw new DatasetImportError(
      `${imagesName}: images must have 3 dimensions [N, H, W] or 4 [N, H, W, C], got [${images.shape.join(", ")}]`,
    );
  }
  if (channels !== 1 && channels !== 3)
    throw new DatasetImportError(
      `${imagesName}: images must have 1 or 3 channels, got ${channels}`,
    );
  if (height < 1 || width < 1)
    throw new DatasetImportError(`${imagesName}: images of size ${height}×${width} are empty`);
  return { count, height, width, channels };
}

function toSplit(files: IdxSplitFiles, count: number): PackedSplit {
  const { labels, labelsName, imagesName } = files;
  if (labels.type === "float32" || labels.type === "float64")
    throw new DatasetImportError(`${labelsName}: labels must be integers, got ${labels.type}`);
  if (labels.shape.length !== 1)
    throw new DatasetImportError(
      `${labelsName}: labels must have 1 dimension [N], got [${labels.shape.join(", ")}]`,
    );
  if (labels.shape[0] !== count) {
    throw new DatasetImportError(
      `count mismatch: ${imagesName} has ${count} images but ${labelsName} has ${labels.shape[0]} labels`,
    );
  }
  if (count === 0) throw new DatasetImportError(`${imagesName}: no images`);
  const out = new Uint16Array(count);
  for (let i = 0; i < count; i++) {
    const label = idxValue(labels, i);
    if (label < 0 || label > 65_534)
      throw new DatasetImportError(
        `${labelsName}: label ${label} of image ${i} is out of range (0..65534)`,
      );
    out[i] = label;
  }
  return { count, images: files.images.data, labels: out };
}

/** Writes an IDX file (used by tests and tools that export data). */
export function encodeIdx(type: "uint8", shape: number[], values: ArrayLike<number>): Uint8Array {
  const headerBytes = 4 + 4 * shape.length;
  const out = new Uint8Array(headerBytes + values.length);
  const view = new DataView(out.buffer);
  out[2] = type === "uint8" ? 0x08 : 0;
  out[3] = shape.length;
  shape.forEach((d, i) => {
    view.setUint32(4 + 4 * i, d, false);
  });
  for (let i = 0; i < values.length; i++) out[headerBytes + i] = values[i]!;
  return out;
}
