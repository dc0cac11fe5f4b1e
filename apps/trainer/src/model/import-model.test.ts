import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import AdmZip from "adm-zip";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ModelImportError } from "@tlab/core/layers-model-json";
import { initBackend } from "../tf/backend";
import { readModelForImport } from "./import-model";

const LENET_DIR = path.resolve(import.meta.dirname, "../../assets/base-models/lenet5-digits-0-4");

let tmp: string;
beforeAll(async () => {
  await initBackend("cpu");
  tmp = await mkdtemp(path.join(os.tmpdir(), "tlab-model-import-"));
});
afterAll(async () => rm(tmp, { recursive: true, force: true }));

describe("readModelForImport", () => {
  it("reads a LayersModel directory: input shape, layers and parameter counts agree with tfjs and the sidecar", async () => {
    const { inspection, files } = await readModelForImport(LENET_DIR);
    const sidecar = JSON.parse(await readFile(path.join(LENET_DIR, "base-model.json"), "utf8")) as {
      layers: unknown;
      totalParams: number;
    };
    expect(inspection.inputShape).toEqual([28, 28, 1]);
    expect(inspection.layers).toEqual(sidecar.layers);
    expect(inspection.totalParams).toBe(sidecar.totalParams);
    // The sidecar is not part of the upload: the server writes its own.
    expect([...files.keys()].sort()).toEqual(["model.json", "weights.bin"]);
  });

  it("reads the same model from a zip with a wrapping folder", async () => {
    const zip = new AdmZip();
    zip.addLocalFolder(LENET_DIR, "lenet");
    const file = path.join(tmp, "lenet.zip");
    zip.writeZip(file);
    expect((await readModelForImport(file)).inspection.totalParams).toBe(
      (await readModelForImport(LENET_DIR)).inspection.totalParams,
    );
  });

  it("refuses a model whose weight file is missing or truncated", async () => {
    const dir = path.join(tmp, "broken");
    await cp(LENET_DIR, dir, { recursive: true });
    await rm(path.join(dir, "weights.bin"));
    await expect(readModelForImport(dir)).rejects.toThrow(ModelImportError);
    await expect(readModelForImport(dir)).rejects.toThrow(
      /weight file\(s\) listed in model.json are missing: weights\.bin/,
    );
    await writeFile(path.join(dir, "weights.bin"), new Uint8Array(12));
    await expect(readModelForImport(dir)).rejects.toThrow(/is 12 bytes but its manifest describes/);
  });

  it("refuses a model that is not an image model", async () => {
    const dir = path.join(tmp, "flat-input");
    await cp(LENET_DIR, dir, { recursive: true });
    const json = JSON.parse(await readFile(path.join(dir, "model.json"), "utf8")) as {
      modelTopology: { config: { layers: Array<{ config: Record<string, unknown> }> } };
    };
    json.modelTopology.config.layers[0]!.config.batch_input_shape = [null, 784];
    await writeFile(path.join(dir, "model.json"), JSON.stringify(json));
    await expect(readModelForImport(dir)).rejects.toThrow(
      /input is \[null, 784\]; a base model needs a 4-D image input/,
    );
  });
});
