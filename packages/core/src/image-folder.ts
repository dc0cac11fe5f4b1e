import { DatasetImportError, type PackedDataset, type PackedSplit } from "./dataset-pack";
import { relativePathProblem } from "./relative-path";

/**
 * Import of an image-folder dataset: one folder per class holding PNG or JPEG files, optionally
 * under top-level `train/` and `test/` folders for a dataset with its own test split:
 *
 *   cats/001.png  cats/002.jpg  dogs/a.png ...           (classes: cats, dogs)
 *   train/cats/...  train/dogs/...  test/cats/... ...    (with a test split)
 *
 * A single top-level folder that wraps everything (as zips often have) is looked through. The
 * decoding is injected (sharp in the trainer and the web server), so the rules live here once.
 * Nothing is written: the result is a dataset in memory, ready to be packed.
 */

/** A file or directory of the folder or zip, path relative to its root with "/" separators. */
export interface FolderEntry {
  path: string;
  isDirectory: boolean;
  /** The file's bytes; directories have none. */
  read?: () => Promise<Uint8Array>;
}

export interface ImageInfo {
  width: number;
  height: number;
  /** Channels of the encoded image: 1 grey, 2 grey+alpha, 3 colour, 4 colour+alpha. */
  channels: number;
}

export interface ImageDecoder {
  /** Reads the header; throws for anything that is not a readable PNG or JPEG. */
  probe(bytes: Uint8Array): Promise<ImageInfo>;
  /** Decodes to `height × width × channels` uint8 pixels, row-major, resized (stretched) to that size. */
  decode(
    bytes: Uint8Array,
    target: { height: number; width: number; channels: 1 | 3 },
  ): Promise<Uint8Array>;
}

export interface ImageFolderOptions {
  /** Stored [height, width]; default: the size all images share, else the most common one. */
  size?: [number, number];
  /** Stored channels; default 1 when every image is greyscale, else 3. */
  channels?: 1 | 3;
  /** Images decoded at once (sharp decodes on its own thread pool). */
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface ImageFolderResult {
  dataset: PackedDataset;
  /** Things the user should know that are not errors (ignored files, resized images). */
  notes: string[];
}

const IMAGE_EXTENSION = /\.(png|jpe?g)$/i;
const IGNORED_NAMES = new Set(["thumbs.db", "desktop.ini"]);
/** Largest pixel buffer one split may take in memory. */
const MAX_SPLIT_BYTES = 2 ** 31 - 1;
const MAX_LISTED_ERRORS = 10;

interface ImageRef {
  path: string;
  className: string;
  split: "train" | "test";
  read: () => Promise<Uint8Array>;
  info?: ImageInfo;
}

export async function importImageFolder(
  entries: readonly FolderEntry[],
  decoder: ImageDecoder,
  options: ImageFolderOptions = {},
): Promise<ImageFolderResult> {
  const notes: string[] = [];
  const { images, classDirs, ignored } = locateImages(entries);
  if (ignored.length > 0) {
    notes.push(
      `ignored ${ignored.length} file(s) that are not PNG or JPEG: ${ignored.slice(0, 5).join(", ")}${ignored.length > 5 ? ", ..." : ""}`,
    );
  }

  const classNames = [...new Set([...classDirs, ...images.map((image) => image.className)])].sort(
    compareNames,
  );
  const hasTest = images.some((image) => image.split === "test");

  await forEachLimited(images, options.concurrency ?? 4, async (image) => {
    image.info = await decoder.probe(await image.read());
  }).catch(rethrowAsImageErrors("cannot be read as PNG or JPEG"));

  const [height, width] = options.size ?? chooseSize(images, notes);
  const channels = options.channels ?? (images.every((image) => image.info!.channels <= 2) ? 1 : 3);
  const pixels = height * width * channels;
  const byClassThenPath = (a: ImageRef, b: ImageRef) =>
    classNames.indexOf(a.className) - classNames.indexOf(b.className) ||
    compareNames(a.path, b.path);
  const splitImages = (split: "train" | "test") =>
    images.filter((image) => image.split === split).sort(byClassThenPath);
  const train = splitImages("train");
  const test = hasTest ? splitImages("test") : [];
  for (const list of [train, test]) {
    if (list.length * pixels > MAX_SPLIT_BYTES) {
      throw new DatasetImportError(
        `${list.length} images of ${height}×${width}×${channels} do not fit in memory; store them smaller with --size HxW`,
      );
    }
  }

  let done = 0;
  const total = train.length + test.length;
  const decodeSplit = async (list: ImageRef[]): Promise<PackedSplit> => {
    const split: PackedSplit = {
      count: list.length,
      images: new Uint8Array(list.length * pixels),
      labels: new Uint16Array(list.length),
    };
    await forEachLimited(list, options.concurrency ?? 4, async (image, i) => {
      const data = await decoder.decode(await image.read(), { height, width, channels });
      if (data.length !== pixels)
        throw new Error(`decoded to ${data.length} bytes, expected ${height}×${width}×${channels}`);
      split.images.set(data, i * pixels);
      split.labels[i] = classNames.indexOf(image.className);
      options.onProgress?.(++done, total);
    }).catch(rethrowAsImageErrors("cannot be decoded"));
    return split;
  };
  const dataset: PackedDataset = {
    format: "imagefolder",
    height,
    width,
    channels,
    classNames,
    train: await decodeSplit(train),
    test: hasTest ? await decodeSplit(test) : null,
  };
  return { dataset, notes };
}

/** Finds the images and class folders, looking through a wrapping folder and train/test folders. */
function locateImages(entries: readonly FolderEntry[]): {
  images: ImageRef[];
  classDirs: string[];
  ignored: string[];
} {
  // Paths only label images, but one that points outside the folder means a hostile or broken
  // archive: refused rather than silently relabelled.
  for (const entry of entries) {
    const problem = relativePathProblem(entry.path);
    if (problem)
      throw new DatasetImportError(
        `${JSON.stringify(entry.path)}: the path ${problem}; every file must lie inside the dataset folder`,
      );
  }
  const normalized = entries
    .map((entry) => ({
      entry,
      segments: entry.path
        .replace(/\\/g, "/")
        .split("/")
        .filter((s) => s !== "" && s !== "."),
    }))
    .filter(
      ({ segments }) =>
        segments.length > 0 && !segments.some((s) => s.startsWith(".") || s === "__MACOSX"),
    );
  const files = normalized.filter(
    ({ entry, segments }) =>
      !entry.isDirectory && !IGNORED_NAMES.has(segments[segments.length - 1]!.toLowerCase()),
  );
  const imageFiles = files.filter(({ segments }) =>
    IMAGE_EXTENSION.test(segments[segments.length - 1]!),
  );
  const ignored = files
    .filter((f) => !imageFiles.includes(f))
    .map(({ segments }) => segments.join("/"));
  if (imageFiles.length === 0)
    throw new DatasetImportError(
      "no PNG or JPEG images found (expected one folder per class, e.g. cats/001.png, dogs/001.jpg)",
    );

  // Look through single wrapping folders: "mydata/cats/1.png" → "cats/1.png".
  let strip = 0;
  for (;;) {
    const first = imageFiles[0]!.segments[strip];
    if (
      !imageFiles.every(({ segments }) => segments.length >= strip + 3 && segments[strip] === first)
    )
      break;
    strip += 1;
  }
  const rel = (segments: string[]) => segments.slice(strip);
  const tops = new Set(imageFiles.map(({ segments }) => rel(segments)[0]!.toLowerCase()));
  const splitLayout =
    tops.size === 2 &&
    tops.has("train") &&
    tops.has("test") &&
    imageFiles.every(({ segments }) => rel(segments).length >= 3);

  const images: ImageRef[] = [];
  for (const { entry, segments } of imageFiles) {
    const r = rel(segments);
    const path = segments.join("/");
    if (r.length < 2)
      throw new DatasetImportError(
        `${path}: not inside a class folder; put each class's images in a folder named after the class (e.g. cats/001.png)`,
      );
    const split = splitLayout ? (r[0]!.toLowerCase() as "train" | "test") : "train";
    const className = splitLayout ? r[1]! : r[0]!;
    const read = entry.read;
    if (!read) throw new DatasetImportError(`${path}: the file's contents are not available`);
    images.push({ path, className, split, read });
  }
  // Folders count as classes even when empty, so an empty class is reported instead of dropped.
  const classDirs: string[] = [];
  for (const { entry, segments } of normalized) {
    if (segments.length <= strip) continue;
    const r = rel(segments);
    const dirSegments = entry.isDirectory ? r : r.slice(0, -1);
    if (splitLayout) {
      if (dirSegments.length >= 2 && ["train", "test"].includes(dirSegments[0]!.toLowerCase()))
        classDirs.push(dirSegments[1]!);
    } else if (dirSegments.length >= 1) {
      classDirs.push(dirSegments[0]!);
    }
  }
  return { images, classDirs, ignored };
}

function chooseSize(images: ImageRef[], notes: string[]): [number, number] {
  const counts = new Map<string, { height: number; width: number; count: number }>();
  for (const { info } of images) {
    const key = `${info!.height}x${info!.width}`;
    const entry = counts.get(key) ?? { height: info!.height, width: info!.width, count: 0 };
    entry.count += 1;
    counts.set(key, entry);
  }
  // Most common first; ties go to the larger image, then to the taller, so the choice is stable.
  const sizes = [...counts.values()].sort(
    (a, b) => b.count - a.count || b.height * b.width - a.height * a.width || b.height - a.height,
  );
  const chosen = sizes[0]!;
  if (sizes.length > 1) {
    const listed = sizes
      .slice(0, 5)
      .map((s) => `${s.height}×${s.width} (${s.count})`)
      .join(", ");
    notes.push(
      `images have ${sizes.length} different sizes (${listed}${sizes.length > 5 ? ", ..." : ""}); ${images.length - chosen.count} resized to the most common, ${chosen.height}×${chosen.width} (choose with --size HxW)`,
    );
  }
  return [chosen.height, chosen.width];
}

/** Runs `fn` over `items` with at most `limit` at once; rejects with every failure, by item. */
async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<void>,
): Promise<void> {
  const failures: Array<{ item: T; error: unknown }> = [];
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      try {
        await fn(items[index]!, index);
      } catch (error) {
        failures.push({ item: items[index]!, error });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failures.length > 0) throw new ItemFailures(failures);
}

class ItemFailures<T> extends Error {
  constructor(readonly failures: Array<{ item: T; error: unknown }>) {
    super(`${failures.length} item(s) failed`);
  }
}

function rethrowAsImageErrors(what: string) {
  return (error: unknown): never => {
    if (!(error instanceof ItemFailures)) throw error;
    const failures = (error as ItemFailures<ImageRef>).failures.sort((a, b) =>
      compareNames(a.item.path, b.item.path),
    );
    const lines = failures
      .slice(0, MAX_LISTED_ERRORS)
      .map(
        ({ item, error: cause }) =>
          `  ${item.path}: ${cause instanceof Error ? cause.message : String(cause)}`,
      );
    if (failures.length > MAX_LISTED_ERRORS)
      lines.push(`  ... and ${failures.length - MAX_LISTED_ERRORS} more`);
    const head =
      failures.length === 1
        ? `unreadable image: ${failures[0]!.item.path} ${what}`
        : `${failures.length} image files ${what}`;
    throw new DatasetImportError(`${head}:\n${lines.join("\n")}`);
  };
}

/** Natural order ("2" before "10"), independent of the machine's locale. */
function compareNames(a: string, b: string): number {
  return a.localeCompare(b, "en", { numeric: true }) || (a < b ? -1 : a > b ? 1 : 0);
}
