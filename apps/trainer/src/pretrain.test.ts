import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadModelFromDir } from "./model/load-model-files";
import { readLayerInfo } from "./model/read-layer-info";
import {
  BASE_MODEL_MANIFEST_FILE,
  parseBaseModelManifest,
  type BaseModelManifest,
} from "@tlab/core/base-model-manifest";
import { BASE_MODEL_NAME, pretrainLenet5 } from "./pretrain";
import { initBackend } from "./tf/backend";

const COMMITTED = path.resolve(import.meta.dirname, "../assets/base-models/lenet5-digits-0-4");
let scratch: string;

beforeAll(async () => {
  await initBackend("wasm");
  scratch = await mkdtemp(path.join(os.tmpdir(), "tlab-pretrain-"));
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** base-model.json as every reader reads it: through the one manifest schema. */
async function readSidecar(dir: string): Promise<BaseModelManifest> {
  const file = path.join(dir, BASE_MODEL_MANIFEST_FILE);
  return parseBaseModelManifest(await readFile(file, "utf8"), file);
}

describe("pretrainLenet5", () => {
  it("gives byte-identical checkpoints for the same seed", async () => {
    const budget = { epochs: 1, seed: 5, trainPerClass: 120, testPerClass: 40 };
    const epochs: number[] = [];
    const a = await pretrainLenet5({
      ...budget,
      outDir: path.join(scratch, "a"),
      onEpoch: (epoch) => void epochs.push(epoch),
    });
    const b = await pretrainLenet5({ ...budget, outDir: path.join(scratch, "b") });
    expect(epochs).toEqual([1]);
    expect(b.testAccuracy).toBe(a.testAccuracy);
    expect(await readFile(path.join(scratch, "b", "weights.bin"))).toEqual(
      await readFile(path.join(scratch, "a", "weights.bin")),
    );
    expect(await readFile(path.join(scratch, "b", "model.json"), "utf8")).toBe(
      await readFile(path.join(scratch, "a", "model.json"), "utf8"),
    );
    // Even one short epoch on 600 images learns the source task well beyond chance (0.2).
    expect(a.testAccuracy).toBeGreaterThan(0.6);
  });

  it("saves the base without its classifier, with a sidecar describing it", async () => {
    const dir = path.join(scratch, "a");
    const sidecar = await readSidecar(dir);
    const base = await loadModelFromDir(dir);
    expect(sidecar.name).toBe(BASE_MODEL_NAME);
    expect(sidecar.layers.map((l) => l.name)).toEqual([
      "conv1",
      "pool1",
      "conv2",
      "pool2",
      "flatten",
      "fc1",
      "fc2",
    ]);
    expect(readLayerInfo(base)).toEqual(sidecar.layers);
    expect(sidecar.totalParams).toBe(base.countParams());
    expect(sidecar.source).toMatchObject({
      kind: "pretrained",
      settings: { seed: 5, epochs: 1, trainImages: 600, testImages: 200 },
    });
    expect(base.outputs[0]!.shape).toEqual([null, 84]);
    base.dispose();
  });
});

describe("the committed base checkpoint", () => {
  it("loads, matches its sidecar and was pretrained to ~99% on held-out digits 0-4", async () => {
    const sidecar = await readSidecar(COMMITTED);
    const base = await loadModelFromDir(COMMITTED);
    expect(readLayerInfo(base)).toEqual(sidecar.layers);
    expect(sidecar.totalParams).toBe(base.countParams());
    expect(sidecar.inputShape).toEqual(base.inputs[0]!.shape.slice(1));
    expect(
      sidecar.source.kind === "pretrained" && sidecar.source.testAccuracy,
    ).toBeGreaterThanOrEqual(0.985);
    base.dispose();
  });
});
