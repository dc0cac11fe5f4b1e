import AdmZip from "adm-zip";

/**
 * Zips with entries a careful reader must refuse, for tests. adm-zip cleans names and modes when
 * it writes, so hostile names are patched into the finished archive (names are not covered by
 * the CRC) and modes are set on the entry after adding it.
 */
export interface HostileEntry {
  name: string;
  data: Uint8Array | string;
  /** Unix mode including the file type, e.g. 0o120777 for a symbolic link (data = its target). */
  mode?: number;
}

export function buildZip(entries: readonly HostileEntry[]): Buffer {
  const zip = new AdmZip();
  const patches: Array<[string, string]> = [];
  entries.forEach((entry, i) => {
    // A placeholder of the same length that adm-zip leaves alone, replaced in the bytes below.
    const placeholder = `${String(i).padStart(entry.name.length, "q")}`.slice(-entry.name.length);
    const safe = entry.name.length > 0 && entry.name === cleaned(entry.name) ? entry.name : placeholder;
    if (safe !== entry.name) patches.push([safe, entry.name]);
    zip.addFile(safe, Buffer.from(entry.data));
    if (entry.mode !== undefined) zip.getEntry(safe)!.attr = (entry.mode << 16) >>> 0;
  });
  let bytes = zip.toBuffer();
  for (const [from, to] of patches) bytes = Buffer.from(bytes.toString("latin1").replaceAll(from, to), "latin1");
  return bytes;
}

function cleaned(name: string): string {
  return /(^|[\\/])\.\.([\\/]|$)|^[\\/]|^[A-Za-z]:|\\/.test(name) ? "" : name;
}
