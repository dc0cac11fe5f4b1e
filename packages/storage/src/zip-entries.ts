import AdmZip from "adm-zip";
import {
  checkZipEntries,
  DEFAULT_ZIP_LIMITS,
  ZipError,
  type ZipLimits,
} from "@tlab/core/archive-entries";
import type { FolderEntry } from "@tlab/core/image-folder";

export { ZipError };

/**
 * The entries of a zip (a dashboard upload, or a local file given to `tlab datasets add` or
 * `tlab models add`), read lazily. Entry names are only used as labels and looked up by name,
 * never as paths to write to; still, a hostile archive (zip-slip names, symbolic links, a zip
 * bomb) is refused whole before any entry is read (@tlab/core/archive-entries).
 */
export function zipEntries(
  bytes: Uint8Array,
  limits: ZipLimits = DEFAULT_ZIP_LIMITS,
): FolderEntry[] {
  let zip: AdmZip;
  let entries: AdmZip.IZipEntry[];
  try {
    zip = new AdmZip(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    entries = zip.getEntries();
  } catch (error) {
    throw new ZipError(`not a readable zip file: ${zipReadFailure(error)}`);
  }
  checkZipEntries(
    entries.map((entry) => ({
      name: entry.entryName,
      isDirectory: entry.isDirectory,
      attr: entry.header.attr,
      size: entry.header.size,
      compressedSize: entry.header.compressedSize,
    })),
    limits,
    bytes.byteLength,
  );
  return entries.map((entry) => ({
    path: entry.entryName,
    isDirectory: entry.isDirectory,
    read: async () => {
      const data = entry.getData();
      if (data.length !== entry.header.size)
        throw new ZipError(
          `entry ${JSON.stringify(entry.entryName)} could not be unpacked from the zip`,
        );
      return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    },
  }));
}

/** The zip library's reason in the user's words, without its name ("ADM-ZIP: …"). */
function zipReadFailure(error: unknown): string {
  const message = (error instanceof Error ? error.message : String(error))
    .replace(/^ADM-ZIP:\s*/i, "")
    .trim();
  if (/END header/i.test(message))
    return "it has no end-of-archive record (the file is cut short or is not a zip)";
  return message || "unknown error";
}
