import { createHash, randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from "node:fs/promises";
import path from "node:path";

/**
 * Features of a frozen base on a data split, kept on disk so the next run with the same base, data
 * and cut skips the frozen forward pass entirely. Several worker processes may share one cache
 * directory: every write is a temporary file renamed into place, and a reader that loses a race
 * with an eviction just sees a miss and recomputes.
 *
 * An entry is two files named by the sha256 of its key: `<id>.f32` (raw little-endian float32
 * values, row-major) and `<id>.json` (a small header with the key, shape and size). The header is
 * renamed into place last, so an entry exists exactly when its header does. Reads check the header
 * key, the shape against the byte size and the data file's size; anything off is deleted and
 * reported as a miss. Recency is the header's mtime (touched on every hit); when the cache grows
 * past its cap, the least recently used entries go first.
 */

/** Everything the cached values depend on; two equal keys must mean equal features. */
export interface FeatureKey {
  /** sha256 of the base model's topology and weights (modelHash). */
  baseModelSha256: string;
  /** The layer whose output is cached. */
  cutLayer: string;
  /** How images were turned into model input (size, channels, value range). */
  preprocessing: string;
  dataset: {
    /** The dataset and the options that drew the split (source, classes, seed, counts). */
    spec: Record<string, unknown>;
    split: string;
    count: number;
    /** sha256 of the split's pixels and labels, as fed to the model. */
    contentSha256: string;
  };
}

export interface Features {
  /** [count, ...featureShape] */
  shape: number[];
  data: Float32Array;
}

export interface FeatureCacheOptions {
  dir: string;
  /** Total size (data + headers) the cache may keep; older entries are evicted beyond it. */
  maxBytes: number;
}

const FORMAT = "tlab-features/1";
const DATA_EXT = ".f32";
const HEADER_EXT = ".json";
const TMP_EXT = ".tmp";
/** Temporary or orphaned files older than this belong to a writer that died; eviction removes them. */
const STALE_MS = 60 * 60 * 1000;

interface Header {
  format: typeof FORMAT;
  key: FeatureKey;
  dtype: "float32";
  byteOrder: "little-endian";
  shape: number[];
  bytes: number;
  createdAt: string;
}

export const DEFAULT_FEATURE_CACHE_MAX_BYTES = 2 * 1024 ** 3;

export class FeatureCache {
  private readonly dir: string;
  private readonly maxBytes: number;

  constructor(options: FeatureCacheOptions) {
    if (!(options.maxBytes > 0))
      throw new RangeError(`feature cache maxBytes must be positive, got ${options.maxBytes}`);
    this.dir = options.dir;
    this.maxBytes = options.maxBytes;
  }

  /** The entry's file name stem: sha256 of the key in a canonical (sorted-keys) JSON form. */
  static entryId(key: FeatureKey): string {
    return createHash("sha256").update(canonicalJson(key)).digest("hex");
  }

  async get(key: FeatureKey): Promise<Features | undefined> {
    const id = FeatureCache.entryId(key);
    const headerPath = this.file(id, HEADER_EXT);
    const dataPath = this.file(id, DATA_EXT);
    let header: Header;
    try {
      header = JSON.parse(await readFile(headerPath, "utf8")) as Header;
    } catch (error) {
      if (isMissing(error)) return undefined;
      await this.remove(id); // unreadable or not JSON: a corrupt entry
      return undefined;
    }
    const valid =
      header.format === FORMAT &&
      header.dtype === "float32" &&
      header.byteOrder === "little-endian" &&
      canonicalJson(header.key) === canonicalJson(key) &&
      Array.isArray(header.shape) &&
      header.shape.every((d) => Number.isInteger(d) && d >= 0) &&
      header.bytes === header.shape.reduce((a, b) => a * b, 1) * Float32Array.BYTES_PER_ELEMENT;
    if (!valid) {
      await this.remove(id);
      return undefined;
    }
    let bytes: Buffer;
    try {
      bytes = await readFile(dataPath);
    } catch (error) {
      if (isMissing(error)) return undefined; // evicted by another process between the two reads
      throw error;
    }
    if (bytes.byteLength !== header.bytes) {
      await this.remove(id);
      return undefined;
    }
    const now = new Date();
    await utimes(headerPath, now, now).catch(() => undefined);
    return { shape: header.shape, data: toFloat32(bytes) };
  }

  /**
   * Stores features under `key` and evicts older entries beyond the size cap. An entry larger than
   * the whole cap is not stored (it would evict everything and then itself).
   */
  async put(key: FeatureKey, features: Features): Promise<{ stored: boolean }> {
    const expected = features.shape.reduce((a, b) => a * b, 1);
    if (features.data.length !== expected) {
      throw new Error(
        `features of shape [${features.shape.join(", ")}] need ${expected} values, got ${features.data.length}`,
      );
    }
    const id = FeatureCache.entryId(key);
    const header: Header = {
      format: FORMAT,
      key,
      dtype: "float32",
      byteOrder: "little-endian",
      shape: features.shape,
      bytes: features.data.byteLength,
      createdAt: new Date().toISOString(),
    };
    const headerText = `${JSON.stringify(header, null, 2)}\n`;
    if (header.bytes + Buffer.byteLength(headerText) > this.maxBytes) return { stored: false };
    await mkdir(this.dir, { recursive: true });
    await writeAtomically(
      this.file(id, DATA_EXT),
      new Uint8Array(features.data.buffer, features.data.byteOffset, features.data.byteLength),
    );
    await writeAtomically(this.file(id, HEADER_EXT), headerText);
    await this.evict(id);
    return { stored: true };
  }

  /** Total bytes of the entries in the cache (headers and data). */
  async sizeBytes(): Promise<number> {
    return (await this.entries()).reduce((total, entry) => total + entry.bytes, 0);
  }

  /** Removes least recently used entries until the cache fits its cap; `keep` is never removed. */
  private async evict(keep: string): Promise<void> {
    const entries = await this.entries();
    let total = entries.reduce((sum, entry) => sum + entry.bytes, 0);
    entries.sort((a, b) => a.usedAt - b.usedAt);
    for (const entry of entries) {
      if (total <= this.maxBytes) break;
      if (entry.id === keep) continue;
      await this.remove(entry.id);
      total -= entry.bytes;
    }
  }

  private async entries(): Promise<Array<{ id: string; bytes: number; usedAt: number }>> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if (isMissing(error)) return [];
      throw error;
    }
    const headers = new Set(
      names.filter((n) => n.endsWith(HEADER_EXT)).map((n) => n.slice(0, -HEADER_EXT.length)),
    );
    const entries: Array<{ id: string; bytes: number; usedAt: number }> = [];
    for (const name of names) {
      const full = path.join(this.dir, name);
      const info = await stat(full).catch(() => undefined);
      if (info === undefined) continue;
      const orphan =
        name.endsWith(TMP_EXT) ||
        (name.endsWith(DATA_EXT) && !headers.has(name.slice(0, -DATA_EXT.length)));
      if (orphan) {
        if (Date.now() - info.mtimeMs > STALE_MS) await rm(full, { force: true });
        continue;
      }
      if (!name.endsWith(HEADER_EXT)) continue;
      const id = name.slice(0, -HEADER_EXT.length);
      const data = await stat(this.file(id, DATA_EXT)).catch(() => undefined);
      entries.push({ id, bytes: info.size + (data?.size ?? 0), usedAt: info.mtimeMs });
    }
    return entries;
  }

  /** Header first, so a concurrent reader never finds a header whose data is already gone for good. */
  private async remove(id: string): Promise<void> {
    await rm(this.file(id, HEADER_EXT), { force: true });
    await rm(this.file(id, DATA_EXT), { force: true });
  }

  private file(id: string, ext: string): string {
    return path.join(this.dir, `${id}${ext}`);
  }
}

async function writeAtomically(file: string, data: Uint8Array | string): Promise<void> {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}${TMP_EXT}`;
  try {
    await writeFile(tmp, data);
    await rename(tmp, file);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}

/** A Float32Array over the bytes, copying only when the Buffer is not 4-byte aligned. */
function toFloat32(bytes: Buffer): Float32Array {
  const count = bytes.byteLength / Float32Array.BYTES_PER_ELEMENT;
  if (bytes.byteOffset % Float32Array.BYTES_PER_ELEMENT === 0)
    return new Float32Array(bytes.buffer, bytes.byteOffset, count);
  return new Float32Array(new Uint8Array(bytes).buffer, 0, count);
}

/** JSON with object keys sorted at every level, so equal keys always serialize identically. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) =>
            a < b ? -1 : a > b ? 1 : 0,
          ),
        )
      : v,
  );
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === "ENOENT";
}
