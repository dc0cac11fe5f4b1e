import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunSpec } from "@tlab/core/run";
import { DatasetDownloadError, fetchDataset } from "./dataset-cache";

const BODY = new TextEncoder().encode("packed dataset bytes");
const SHA = createHash("sha256").update(BODY).digest("hex");

let server: Server;
let apiUrl: string;
let requests: Array<{ url: string; authorization: string | undefined }>;
let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "tlab-dataset-cache-"));
  server = createServer((req, res) => {
    requests.push({ url: req.url ?? "", authorization: req.headers.authorization });
    if (req.url === "/api/datasets/good/data") return void res.end(BODY);
    if (req.url === "/api/datasets/tampered/data") return void res.end("other bytes");
    res.statusCode = 404;
    res.end(JSON.stringify({ error: "name: no dataset" }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(tmp, { recursive: true, force: true });
});

function dataset(name: string): RunSpec["dataset"] {
  return {
    id: name,
    name,
    classNames: ["a", "b"],
    dataPath: `/api/datasets/${name}/data`,
    spec: {
      source: "upload",
      format: "idx",
      sha256: SHA,
      sizeBytes: BODY.length,
      imageShape: [1, 1, 1],
      numClasses: 2,
      counts: { train: [1, 1] },
      hasTestSplit: false,
    },
  };
}

describe("fetchDataset", () => {
  it("downloads once with the token, verifies the hash and then serves from the cache", async () => {
    requests = [];
    const cacheDir = path.join(tmp, "a");
    const file = await fetchDataset({
      apiUrl,
      cacheDir,
      token: "secret-token",
      dataset: dataset("good"),
    });
    expect(file).toBe(path.join(cacheDir, "datasets", SHA));
    expect(new Uint8Array(await readFile(file))).toEqual(BODY);
    expect(await fetchDataset({ apiUrl, cacheDir, dataset: dataset("good") })).toBe(file);
    expect(requests).toEqual([
      { url: "/api/datasets/good/data", authorization: "Bearer secret-token" },
    ]);

    // A damaged cache file is noticed and replaced.
    await writeFile(file, "damaged");
    await fetchDataset({ apiUrl, cacheDir, dataset: dataset("good") });
    expect(new Uint8Array(await readFile(file))).toEqual(BODY);
    expect(requests).toHaveLength(2);
  });

  it("refuses a download whose hash differs from the catalog's and keeps nothing", async () => {
    const cacheDir = path.join(tmp, "b");
    const run = fetchDataset({ apiUrl, cacheDir, dataset: dataset("tampered") });
    await expect(run).rejects.toThrow(DatasetDownloadError);
    await expect(run).rejects.toThrow(/has sha256 [0-9a-f]{64} but the catalog records/);
    expect(await readdir(path.join(cacheDir, "datasets"))).toEqual([]);
    await expect(fetchDataset({ apiUrl, cacheDir, dataset: dataset("missing") })).rejects.toThrow(
      /HTTP 404/,
    );
  });
});
