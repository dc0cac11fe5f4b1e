import { crc32, deflateRawSync } from "node:zlib";
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
    const safe =
      entry.name.length > 0 && entry.name === cleaned(entry.name) ? entry.name : placeholder;
    if (safe !== entry.name) patches.push([safe, entry.name]);
    zip.addFile(safe, Buffer.from(entry.data));
    if (entry.mode !== undefined) zip.getEntry(safe)!.attr = (entry.mode << 16) >>> 0;
  });
  let bytes = zip.toBuffer();
  for (const [from, to] of patches)
    bytes = Buffer.from(bytes.toString("latin1").replaceAll(from, to), "latin1");
  return bytes;
}

function cleaned(name: string): string {
  return /(^|[\\/])\.\.([\\/]|$)|^[\\/]|^[A-Za-z]:|\\/.test(name) ? "" : name;
}

/**
 * A zip of `count` entries (`<prefix><i>.png`) holding the same `size` zero bytes, deflated once and
 * written by hand: a many-entry zip bomb of a gigabyte builds in milliseconds.
 */
export function buildRepeatedEntryZip(count: number, size: number, prefix = "cats/"): Buffer {
  const data = Buffer.alloc(size);
  const compressed = deflateRawSync(data, { level: 9 });
  const crc = crc32(data);
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (let i = 0; i < count; i++) {
    const name = Buffer.from(`${prefix}${i}.png`, "utf8");
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt16LE(0x21, 12); // 1980-01-01
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made on Unix
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(8, 10);
    central.writeUInt16LE(0x21, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(compressed.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE((0o100644 << 16) >>> 0, 38); // a regular file
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, compressed);
    centrals.push(central, name);
    offset += local.length + name.length + compressed.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(count, 8);
  end.writeUInt16LE(count, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}
