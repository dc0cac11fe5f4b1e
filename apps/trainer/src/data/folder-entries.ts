import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import AdmZip from "adm-zip";
import type { FolderEntry } from "@tlab/core/image-folder";

/**
 * The files and folders of a directory or a .zip, with paths relative to its root ("/"
 * separators) and contents read on demand: the input that the shared import code in
 * @tlab/core (image folders, model files) works on.
 */
export async function folderEntries(source: string): Promise<FolderEntry[]> {
  const info = await stat(source).catch(() => null);
  if (!info) throw new Error(`${source}: no such file or directory`);
  if (info.isDirectory()) return directoryEntries(source);
  if (!/\.zip$/i.test(source)) throw new Error(`${source}: expected a directory or a .zip file`);
  return zipEntries(await readFile(source), source);
}

async function directoryEntries(root: string): Promise<FolderEntry[]> {
  const entries: FolderEntry[] = [];
  const walk = async (relative: string) => {
    for (const entry of await readdir(path.join(root, relative), { withFileTypes: true })) {
      const rel = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        entries.push({ path: rel, isDirectory: true });
        await walk(rel);
      } else if (entry.isFile()) {
        const full = path.join(root, rel);
        entries.push({ path: rel, isDirectory: false, read: () => readFile(full) });
      }
    }
  };
  await walk("");
  return entries;
}

export function zipEntries(bytes: Uint8Array, name = "zip"): FolderEntry[] {
  let zip: AdmZip;
  try {
    zip = new AdmZip(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (error) {
    throw new Error(`${name}: not a readable zip file (${error instanceof Error ? error.message : String(error)})`);
  }
  return zip.getEntries().map((entry) => ({
    path: entry.entryName,
    isDirectory: entry.isDirectory,
    read: async () => {
      const data = entry.getData();
      return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    },
  }));
}
