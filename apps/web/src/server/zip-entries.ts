import AdmZip from "adm-zip";
import type { FolderEntry } from "@tlab/core/image-folder";

/** Largest total uncompressed size accepted from one uploaded zip. */
export const MAX_UNZIPPED_BYTES = 4 * 1024 ** 3;

export class ZipError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ZipError";
  }
}

/**
 * The entries of an uploaded zip, read lazily. Entry names are only used as labels and looked up
 * by name, never as paths to write to, so a hostile name cannot escape anywhere.
 */
export function zipEntries(bytes: Uint8Array): FolderEntry[] {
  let zip: AdmZip;
  try {
    zip = new AdmZip(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (error) {
    throw new ZipError(`the upload is not a readable zip file (${error instanceof Error ? error.message : String(error)})`);
  }
  const entries = zip.getEntries();
  const total = entries.reduce((n, entry) => n + entry.header.size, 0);
  if (total > MAX_UNZIPPED_BYTES) throw new ZipError(`the zip unpacks to ${total} bytes, more than the ${MAX_UNZIPPED_BYTES} accepted`);
  return entries.map((entry) => ({
    path: entry.entryName,
    isDirectory: entry.isDirectory,
    read: async () => {
      const data = entry.getData();
      if (data.length !== entry.header.size) throw new Error(`could not be unpacked from the zip`);
      return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    },
  }));
}
