import { createHash, randomUUID } from "node:crypto";
import { mkdir, open, realpath, rename, rm } from "node:fs/promises";
import path from "node:path";
import { confinedPath, isInside, realConfinedPath } from "@tlab/storage/confined-path";
import { DomainError } from "@tlab/core/errors";
import { isPlainFileName, PLAIN_FILE_NAME_RULE } from "@tlab/core/relative-path";

export const ARTIFACTS_DIR = "artifacts";

/** Names the worker that uploads; it must be the worker holding the run. */
export const WORKER_ID_HEADER = "x-tlab-worker-id";

export interface StoredFile {
  /** Relative to DATA_DIR, as recorded in the database. */
  storagePath: string;
  sizeBytes: number;
  sha256: string;
}

/**
 * The directory of a run's artifacts, DATA_DIR/artifacts/<runId>. `runId` must be one plain name;
 * once the directory exists, its real path must lie inside the artifacts directory's (which may
 * itself be a link to another disk), so a link planted there cannot redirect a write or a read.
 */
async function runArtifactDir(dataDir: string, runId: string, create: boolean): Promise<string> {
  if (!isPlainFileName(runId))
    throw new DomainError(
      "INVALID_INPUT",
      `runId: "${runId}" is not a plain name (${PLAIN_FILE_NAME_RULE})`,
    );
  const root = confinedPath(dataDir, ARTIFACTS_DIR, "artifacts directory");
  const dir = confinedPath(root, runId, "runId");
  if (create) await mkdir(dir, { recursive: true });
  const [realRoot, realDir] = await Promise.all([realpath(root), realpath(dir)]);
  if (realDir === realRoot || !isInside(realRoot, realDir))
    throw new DomainError(
      "INVALID_INPUT",
      `runId: the artifact folder of run "${runId}" is a symbolic link out of the artifacts directory; refused`,
    );
  return realDir;
}

/**
 * Writes an upload to DATA_DIR/artifacts/<runId>/<fileName>. The body goes to a temporary file in
 * the same directory and is renamed into place only when complete, so a reader never sees a
 * half-written artifact and a retried upload replaces the previous one atomically (rename
 * replaces a link at the final name, it never writes through it). A body that errors (one over
 * the size limit) leaves nothing behind.
 */
export async function storeRunArtifact(
  dataDir: string,
  runId: string,
  fileName: string,
  body: ReadableStream<Uint8Array>,
): Promise<StoredFile> {
  if (!isPlainFileName(fileName))
    throw new DomainError(
      "INVALID_INPUT",
      `file: "${fileName}" is not a plain file name (${PLAIN_FILE_NAME_RULE})`,
    );
  const dir = await runArtifactDir(dataDir, runId, true);
  const finalPath = path.join(dir, fileName);
  const tempPath = path.join(dir, `.${fileName}.${randomUUID()}.part`);
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
  return {
    storagePath: path.posix.join(ARTIFACTS_DIR, runId, fileName),
    sizeBytes,
    sha256: hash.digest("hex"),
  };
}

/**
 * The real path of a recorded artifact for reading: its storagePath (relative to DATA_DIR, from
 * the database) must name a file in the run's own artifact folder, not a link out of it.
 * A missing file rejects with ENOENT.
 */
export async function readRunArtifactPath(
  dataDir: string,
  runId: string,
  storagePath: string,
): Promise<string> {
  const dir = await runArtifactDir(dataDir, runId, false);
  const lexical = confinedPath(dataDir, storagePath, "storagePath");
  const expectedDir = confinedPath(dataDir, path.posix.join(ARTIFACTS_DIR, runId), "runId");
  if (path.dirname(lexical) !== expectedDir)
    throw new DomainError(
      "INVALID_INPUT",
      `storagePath: "${storagePath}" is not in the artifact folder of run "${runId}"`,
    );
  return realConfinedPath(dir, path.basename(lexical), "file");
}
