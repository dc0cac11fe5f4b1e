import { relativePathProblem } from "./relative-path";

/**
 * What a zip must look like before any entry of it is read, for the server's uploads and the
 * CLI's local .zip files alike. Entry names only ever label images and match weight files, but
 * a hostile archive is refused outright, naming the entry, rather than half-used:
 * - names that would leave the folder they are unpacked to (zip-slip): absolute paths, drive
 *   letters, ".." segments, also with backslashes;
 * - symbolic links and other special files (the Unix mode in the external attributes);
 * - zip bombs: more unpacked bytes in total than allowed (near the upload limit: images and
 *   weights hardly compress), an entry that inflates far beyond its compressed size, or a whole
 *   archive that does (many entries each just under the per-entry check; no image folder or model
 *   compresses like that, padding does).
 * All of it is decided from the central directory, before any entry is inflated; entries are then
 * inflated one at a time (a few at once) up to their declared size, so the memory a zip can take
 * is bounded by the upload itself and its largest entries, never by what it claims to unpack to.
 */

export class ZipError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ZipError";
  }
}

/** The central directory's view of one entry (adm-zip: entryName, isDirectory, header.*). */
export interface ZipEntryInfo {
  name: string;
  isDirectory: boolean;
  /** External file attributes; zips made on Unix keep the file's mode in the upper 16 bits. */
  attr: number;
  /** Uncompressed size as declared; the reader never inflates beyond it. */
  size: number;
  compressedSize: number;
}

export interface ZipLimits {
  /** Most bytes all entries may unpack to together. */
  maxUnzippedBytes: number;
  /** Where that limit comes from, for the message (e.g. "TLAB_MAX_DATASET_UPLOAD_BYTES + 25%"). */
  maxUnzippedSource?: string;
  /** Highest uncompressed/compressed ratio of an entry of `ratioCheckFromBytes` or more. */
  maxCompressionRatio: number;
  /** Highest ratio of all entries' unpacked bytes to the archive's bytes, once they reach `ratioCheckFromBytes`. */
  maxTotalCompressionRatio: number;
  ratioCheckFromBytes: number;
}

/** Unpacked bytes allowed per uploaded byte: PNG, JPEG and float weights gain little from zip. */
export const UNZIPPED_PER_UPLOADED_BYTE = 1.25;

export const DEFAULT_ZIP_LIMITS: ZipLimits = {
  maxUnzippedBytes: Math.floor(2 * 1024 ** 3 * UNZIPPED_PER_UPLOADED_BYTE),
  maxCompressionRatio: 200,
  maxTotalCompressionRatio: 20,
  ratioCheckFromBytes: 1024 ** 2,
};

/** The limits for an upload of at most `maxUploadBytes` (named by `setting`): unpacked, near the upload limit. */
export function zipLimitsForUpload(maxUploadBytes: number, setting: string): ZipLimits {
  return {
    ...DEFAULT_ZIP_LIMITS,
    maxUnzippedBytes: Math.floor(maxUploadBytes * UNZIPPED_PER_UPLOADED_BYTE),
    maxUnzippedSource: `${setting} + ${Math.round((UNZIPPED_PER_UPLOADED_BYTE - 1) * 100)}%`,
  };
}

const FILE_TYPE_MASK = 0o170000;
const FILE_TYPES: Record<number, string | null> = {
  0: null, // no Unix mode recorded (zips made on Windows)
  0o100000: null, // regular file
  0o040000: null, // directory
  0o120000: "a symbolic link",
  0o010000: "a named pipe",
  0o020000: "a character device",
  0o060000: "a block device",
  0o140000: "a socket",
};

/**
 * Throws ZipError naming the first entry that breaks a rule above. `archiveBytes`: the zip's own
 * size, which bounds what the entries' compressed sizes may honestly add up to.
 */
export function checkZipEntries(
  entries: readonly ZipEntryInfo[],
  limits: ZipLimits = DEFAULT_ZIP_LIMITS,
  archiveBytes = Number.POSITIVE_INFINITY,
): void {
  let total = 0;
  let compressedTotal = 0;
  for (const entry of entries) {
    const name = JSON.stringify(entry.name);
    const problem = relativePathProblem(entry.name);
    if (problem)
      throw new ZipError(
        `entry ${name} ${problem}; archives whose entries could be unpacked outside their folder are refused`,
      );
    const type = FILE_TYPES[((entry.attr >>> 16) & FILE_TYPE_MASK) >>> 0];
    if (type === undefined || type !== null) {
      throw new ZipError(
        `entry ${name} is ${type ?? "not a regular file"}; only files and folders are accepted`,
      );
    }
    if (entry.isDirectory) continue;
    if (
      entry.size >= limits.ratioCheckFromBytes &&
      entry.size / Math.max(entry.compressedSize, 1) > limits.maxCompressionRatio
    ) {
      throw new ZipError(
        `entry ${name} unpacks from ${entry.compressedSize} to ${entry.size} bytes, a compression ratio above ${limits.maxCompressionRatio}:1; refused as a likely zip bomb`,
      );
    }
    total += entry.size;
    compressedTotal += entry.compressedSize;
    if (total > limits.maxUnzippedBytes) {
      const source = limits.maxUnzippedSource ? ` (${limits.maxUnzippedSource})` : "";
      throw new ZipError(
        `the zip unpacks to more than ${limits.maxUnzippedBytes} bytes${source} (reached at entry ${name}); split it or store the images smaller`,
      );
    }
  }
  const packed = Math.max(1, Math.min(compressedTotal, archiveBytes));
  if (total >= limits.ratioCheckFromBytes && total / packed > limits.maxTotalCompressionRatio) {
    throw new ZipError(
      `the zip's ${entries.length} entries unpack from ${packed} to ${total} bytes in all, a compression ratio above ${limits.maxTotalCompressionRatio}:1 (images and weights hardly compress); refused as a likely zip bomb`,
    );
  }
}
