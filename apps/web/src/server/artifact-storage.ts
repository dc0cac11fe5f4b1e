import { createHash, randomUUID } from "node:crypto";
import { mkdir, open, rename, rm } from "node:fs/promises";
import path from "node:path";

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
 * Writes an upload to DATA_DIR/artifacts/<runId>/<fileName>. The body goes to a temporary file in
 * the same directory and is renamed into place only when complete, so a reader never sees a
 * half-written artifact and a retried upload replaces the previous one atomically.
 * Callers validate `runId` and `fileName` (see isSafeFileName) before calling.
 */
export async function storeRunArtifact(
  dataDir: string,
  runId: string,
  fileName: string,
  body: ReadableStream<Uint8Array>,
): Promise<StoredFile> {
  const dir = path.join(dataDir, ARTIFACTS_DIR, runId);
  await mkdir(dir, { recursive: true });
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
  return { storagePath: path.relative(dataDir, finalPath), sizeBytes, sha256: hash.digest("hex") };
}
