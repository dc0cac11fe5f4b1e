import { createHash, randomUUID } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, open, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { confinedPath } from "@tlab/storage/confined-path";
import type { RunSpec } from "@tlab/core/run";

export interface FetchDatasetOptions {
  apiUrl: string;
  /** TLAB_CACHE_DIR: files go to <cacheDir>/datasets/<sha256>. */
  cacheDir: string;
  token?: string;
  dataset: RunSpec["dataset"];
}

export class DatasetDownloadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DatasetDownloadError";
  }
}

/**
 * The local path of an uploaded dataset's packed file: from the cache when a file with the
 * expected sha256 is there (hashed again, so a damaged cache file is replaced), else downloaded
 * from the API, hashed while it streams to a temporary file and renamed into place only when the
 * hash matches the catalog's. So a worker on another host needs only the API URL and its token,
 * and never trains on data other than what the experiment recorded.
 */
export async function fetchDataset(options: FetchDatasetOptions): Promise<string> {
  const { dataset } = options;
  if (dataset.spec.source !== "upload")
    throw new DatasetDownloadError(
      `dataset "${dataset.name}" is built in; there is nothing to download`,
    );
  if (!dataset.dataPath)
    throw new DatasetDownloadError(
      `dataset "${dataset.name}": the API gave no dataPath to download it from`,
    );
  const expected = dataset.spec.sha256;
  // The cache file is named by the hash the API sent: a hex digest, nothing that could be a path.
  if (!/^[0-9a-f]{64}$/.test(expected))
    throw new DatasetDownloadError(
      `dataset "${dataset.name}": the API sent "${expected}" as its sha256, which is not a hex digest`,
    );
  const dir = path.join(options.cacheDir, "datasets");
  const file = confinedPath(dir, expected, "sha256");
  if (await exists(file)) {
    if ((await sha256OfFile(file)) === expected) return file;
    await rm(file, { force: true });
  }
  await mkdir(dir, { recursive: true });
  const url = new URL(dataset.dataPath, options.apiUrl);
  const response = await fetch(url, {
    headers: options.token ? { authorization: `Bearer ${options.token}` } : {},
  });
  if (!response.ok || !response.body) {
    const detail = await response.text().catch(() => "");
    // 5xx and network failures are worth retrying (TypeError, as fetch reports them); 4xx are not.
    const message = `dataset "${dataset.name}": GET ${url.pathname} answered HTTP ${response.status} ${detail.slice(0, 300)}`;
    throw response.status >= 500 ? new TypeError(message) : new DatasetDownloadError(message);
  }
  const temp = path.join(dir, `.${expected}.${randomUUID()}.part`);
  const hash = createHash("sha256");
  const handle = await open(temp, "w");
  try {
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      hash.update(value);
      await handle.write(value);
    }
    await handle.close();
    const actual = hash.digest("hex");
    if (actual !== expected) {
      throw new DatasetDownloadError(
        `dataset "${dataset.name}": the downloaded file has sha256 ${actual} but the catalog records ${expected}; not used`,
      );
    }
    await rename(temp, file);
    return file;
  } finally {
    await handle.close().catch(() => undefined);
    await rm(temp, { force: true });
  }
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

function sha256OfFile(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash("sha256");
    createReadStream(file)
      .on("data", (chunk) => hash.update(chunk))
      .on("end", () => resolve(hash.digest("hex")))
      .on("error", reject);
  });
}
