import { createHash, randomUUID } from "node:crypto";
import { lstat, mkdir, open, realpath, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { DomainError } from "@tlab/core/errors";
import { isPlainFileName, PLAIN_FILE_NAME_RULE } from "@tlab/core/relative-path";
import { confinedPath, isInside, realConfinedPath } from "@tlab/storage/confined-path";
import type { BlobContent, BlobStore, StoredBlob } from "./blob-store";

const CHUNK_BYTES = 256 * 1024;

/**
 * A blob store in a folder of the local file system (under DATA_DIR). The root itself may be a
 * link to another disk; below it, every folder of a key must really lie inside the root, so a
 * link planted there cannot redirect a write or a read, and the file itself must not be a link.
 */
export class LocalBlobStore implements BlobStore {
  /**
   * `what` names the store in errors, e.g. "artifacts directory". `links`: a symbolic link at a
   * key is refused with an error when it leads out of its folder ("refuse"), or is treated as
   * absent whatever it points at ("absent"); this store never writes one.
   */
  constructor(
    private readonly root: string,
    private readonly what: string,
    private readonly links: "refuse" | "absent" = "refuse",
  ) {}

  /**
   * The body goes to a temporary file in the same folder and is renamed into place only when
   * complete, so a reader never sees a half-written file and a retried put replaces the previous
   * one atomically (rename replaces a link at the final name, it never writes through it). A body
   * that errors (one over a size limit) leaves nothing behind.
   */
  async put(key: string, body: ReadableStream<Uint8Array>): Promise<StoredBlob> {
    const { dir, name } = await this.folderOf(key, true);
    const finalPath = path.join(dir, name);
    const tempPath = path.join(dir, `.${name}.${randomUUID()}.part`);
    const hash = createHash("sha256");
    let sizeBytes = 0;
    const handle = await open(tempPath, "wx", 0o644);
    try {
      const reader = body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        hash.update(value);
        sizeBytes += value.byteLength;
        await handle.write(value);
      }
      await handle.sync();
      await handle.close();
      await rename(tempPath, finalPath);
    } catch (error) {
      await handle.close().catch(() => undefined);
      await rm(tempPath, { force: true });
      throw error;
    }
    return { sizeBytes, sha256: hash.digest("hex") };
  }

  async get(key: string): Promise<BlobContent | null> {
    const filePath = await this.existingPath(key);
    if (!filePath) return null;
    const info = await stat(filePath);
    const handle = await open(filePath, "r");
    let closed = false;
    const close = async () => {
      if (closed) return;
      closed = true;
      await handle.close();
    };
    // Read chunk by chunk as the client consumes it.
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          const buffer = new Uint8Array(CHUNK_BYTES);
          const { bytesRead } = await handle.read(buffer, 0, CHUNK_BYTES, null);
          if (bytesRead === 0) {
            await close();
            controller.close();
          } else {
            controller.enqueue(buffer.subarray(0, bytesRead));
          }
        } catch (error) {
          await close();
          controller.error(error);
        }
      },
      async cancel() {
        await close();
      },
    });
    return { sizeBytes: info.size, body };
  }

  async stat(key: string): Promise<{ sizeBytes: number } | null> {
    const filePath = await this.existingPath(key);
    return filePath ? { sizeBytes: (await stat(filePath)).size } : null;
  }

  async delete(key: string): Promise<void> {
    const filePath = await this.existingPath(key);
    if (filePath) await rm(filePath, { force: true });
  }

  /**
   * The real path of the regular file under `key`; null when it (or its folder) does not exist, or
   * is something else (a folder; a link, unless `links` refuses it first).
   */
  private async existingPath(key: string): Promise<string | null> {
    try {
      const { dir, name } = await this.folderOf(key, false);
      const real =
        this.links === "refuse" ? await realConfinedPath(dir, name, "file") : path.join(dir, name);
      return (await lstat(path.join(dir, name))).isFile() ? real : null;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw error;
    }
  }

  /** The real folder of a key's file (created when asked), checked to lie inside the root. */
  private async folderOf(key: string, create: boolean): Promise<{ dir: string; name: string }> {
    const parts = key.split("/");
    const bad = parts.find((part) => !isPlainFileName(part));
    if (bad !== undefined)
      throw new DomainError(
        "INVALID_INPUT",
        `file: "${bad}" is not a plain file name (${PLAIN_FILE_NAME_RULE})`,
      );
    const name = parts.pop()!;
    const root = this.root;
    const dir = parts.length > 0 ? confinedPath(root, parts.join("/"), this.what) : root;
    if (create) await mkdir(dir, { recursive: true });
    const [realRoot, realDir] = await Promise.all([realpath(root), realpath(dir)]);
    if (parts.length > 0 && (realDir === realRoot || !isInside(realRoot, realDir)))
      throw new DomainError(
        "INVALID_INPUT",
        `file: the folder of "${key}" is a symbolic link out of the ${this.what}; refused`,
      );
    return { dir: realDir, name };
  }
}
