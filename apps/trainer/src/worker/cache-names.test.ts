import { mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunSpec } from "@tlab/core/run";
import { fetchBaseModel } from "./base-model-cache";
import { DatasetDownloadError, fetchDataset } from "./dataset-cache";

// The worker's caches under its data directory are named by what the API sends (a dataset's
// sha256, a base model's id and weight file names). A name that could be a path is refused
// before any request or write, so a wrong or hostile server cannot make a worker write elsewhere.
let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "tlab-cache-names-"));
});
afterAll(async () => rm(tmp, { recursive: true, force: true }));

// Nothing listens here: a request would fail with a network error, not the refusals asserted.
const API_URL = "http://127.0.0.1:9";

describe("worker cache names", () => {
  it("refuses a dataset whose sha256 is not a hex digest", async () => {
    const cacheDir = path.join(tmp, "datasets-case");
    const dataset: RunSpec["dataset"] = {
      id: "d",
      name: "pets",
      classNames: ["a", "b"],
      dataPath: "/api/datasets/pets/data",
      spec: {
        source: "upload",
        format: "idx",
        sha256: "../../../outside",
        sizeBytes: 1,
        imageShape: [1, 1, 1],
        numClasses: 2,
        counts: { train: [1, 1] },
        hasTestSplit: false,
      },
    };
    const refused = fetchDataset({ apiUrl: API_URL, cacheDir, dataset });
    await expect(refused).rejects.toThrowError(DatasetDownloadError);
    await expect(refused).rejects.toThrowError(
      'dataset "pets": the API sent "../../../outside" as its sha256, which is not a hex digest',
    );
    expect(await readdir(tmp)).not.toContain("outside");
  });

  it("refuses a base model whose id is not a plain name", async () => {
    const cacheDir = path.join(tmp, "models-case");
    const baseModel: RunSpec["baseModel"] = {
      id: "../../escaped",
      name: "lenet",
      inputShape: [28, 28, 1],
      layers: [],
      modelPath: "/api/base-models/lenet/model.json",
    };
    await expect(fetchBaseModel(API_URL, cacheDir, baseModel)).rejects.toThrowError(
      'base model lenet: the API sent "../../escaped" as its id, which is not a plain name',
    );
    expect(await readdir(tmp)).not.toContain("escaped");
  });
});
