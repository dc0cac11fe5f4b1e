import { readdir, readFile, realpath, stat } from "node:fs/promises";
import path from "node:path";
import { isInside } from "@tlab/storage/confined-path";
import { zipEntries as readZipEntries } from "@tlab/storage/zip-entries";
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

/**
 * Walks a directory. Symbolic links are followed only while they stay inside the folder (a
 * class folder linked from elsewhere in the dataset is fine); one leading outside is refused
 * with its path, so `tlab datasets add` never uploads files the user did not mean to share.
 * The folder itself may be reached through a link.
 */
async function directoryEntries(root: string): Promise<FolderEntry[]> {
  const realRoot = await realpath(root);
  const entries: FolderEntry[] = [];
  // Real paths of the directories being walked: a link back up the tree would loop forever.
  const walking = new Set<string>();
  const walk = async (relative: string, realDir: string) => {
    walking.add(realDir);
    for (const entry of await readdir(path.join(root, relative), { withFileTypes: true })) {
      const rel = relative ? `${relative}/${entry.name}` : entry.name;
      const full = path.join(root, rel);
      let real = path.join(realDir, entry.name);
      let isDirectory = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        real = await realpath(full).catch(() => {
          throw new Error(
            `${full}: a symbolic link to a missing file; remove it or fix its target`,
          );
        });
        if (!isInside(realRoot, real)) {
          throw new Error(
            `${full}: a symbolic link to ${real}, outside ${root}; copy the file into the folder instead (links may only point inside it)`,
          );
        }
        const target = await stat(real);
        isDirectory = target.isDirectory();
        isFile = target.isFile();
      }
      if (isDirectory) {
        if (walking.has(real))
          throw new Error(`${full}: a symbolic link to one of its own parent folders`);
        entries.push({ path: rel, isDirectory: true });
        await walk(rel, real);
      } else if (isFile) {
        entries.push({ path: rel, isDirectory: false, read: () => readFile(real) });
      }
    }
    walking.delete(realDir);
  };
  await walk("", realRoot);
  return entries;
}

/** A local .zip, held to the same rules as the server's uploads (no zip-slip, links or bombs). */
export function zipEntries(bytes: Uint8Array, name = "zip"): FolderEntry[] {
  try {
    return readZipEntries(bytes);
  } catch (error) {
    throw new Error(`${name}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
