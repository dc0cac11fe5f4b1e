import { cpSync, mkdirSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  serializeBaseModelManifest,
  type BaseModelManifestInput,
} from "@tlab/core/base-model-manifest";
import { PRESETS } from "@tlab/core/presets";
import { createApiHarness } from "../testing/api-harness";
import { seedCatalog } from "./seed-catalog";

type Harness = Awaited<ReturnType<typeof createApiHarness>>;
let h: Harness;
let dataDir: string;

beforeEach(async () => {
  h = await createApiHarness();
  dataDir = await mkdtemp(path.join(os.tmpdir(), "tlab-seed-catalog-"));
});
afterEach(async () => {
  await h.cleanup();
  await rm(dataDir, { recursive: true, force: true });
});

const SHIPPED_LENET = path.resolve(
  import.meta.dirname,
  "../../../../apps/trainer/assets/base-models/lenet5-digits-0-4",
);
const MOBILENET_LAYERS = [
  { name: "input_1", className: "InputLayer", paramCount: 0 },
  { name: "Conv1", className: "Conv2D", paramCount: 864 },
  { name: "bn_Conv1", className: "BatchNormalization", paramCount: 128 },
  { name: "out_relu", className: "ReLU", paramCount: 0 },
  { name: "flatten_1", className: "Flatten", paramCount: 0 },
];
/** base-model.json as `tlab build-base mobilenet-v2` wrote it before the one schema: servers refused its source object. */
const OLD_BUILD_BASE_MANIFEST = {
  name: "mobilenet-v2-nsfwjs",
  description: "MobileNetV2 from nsfwjs",
  inputShape: [224, 224, 3],
  sourceTask: "nsfwjs 5-class image classification",
  preprocessing: {
    resize: { height: 224, width: 224, method: "bilinear" },
    channels: "RGB",
    scale: "pixel / 255",
    range: [0, 1],
  },
  source: {
    package: "nsfwjs",
    version: "4.4.0",
    license: "MIT",
    cutAfter: "flatten_1",
    removed: ["dense_1", "dropout_2", "dense_2", "dropout_3", "dense_3"],
  },
  layers: MOBILENET_LAYERS,
  totalParams: 992,
};

function baseModelDir(name: string, manifest: string): void {
  const dir = path.join(dataDir, "base-models", name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, "model.json"),
    JSON.stringify({
      format: "layers-model",
      modelTopology: {},
      weightsManifest: [{ paths: ["weights.bin"], weights: [] }],
    }),
  );
  writeFileSync(path.join(dir, "weights.bin"), new Uint8Array(8));
  writeFileSync(path.join(dir, "base-model.json"), manifest);
}

describe("seedCatalog (a server start)", () => {
  it("registers a MobileNetV2 base written by build-base, old and new manifests alike, and it can be launched by name", async () => {
    cpSync(SHIPPED_LENET, path.join(dataDir, "base-models", "lenet5-digits-0-4"), {
      recursive: true,
    });
    baseModelDir("mobilenet-v2-nsfwjs", JSON.stringify(OLD_BUILD_BASE_MANIFEST));
    const current: BaseModelManifestInput = {
      ...OLD_BUILD_BASE_MANIFEST,
      name: "mobilenet-v2-rebuilt",
      preprocessing: {
        inputRange: [0, 1],
        resize: { height: 224, width: 224, method: "bilinear" },
        channels: "RGB",
      },
      source: {
        kind: "package",
        ...OLD_BUILD_BASE_MANIFEST.source,
        task: OLD_BUILD_BASE_MANIFEST.sourceTask,
      },
    };
    baseModelDir("mobilenet-v2-rebuilt", serializeBaseModelManifest(current));

    expect(await seedCatalog(h.repos.catalog, dataDir)).toEqual({ skipped: [] });
    const listed = await h.user.catalog.baseModels();
    for (const name of ["mobilenet-v2-nsfwjs", "mobilenet-v2-rebuilt"]) {
      expect(listed.find((m) => m.name === name)).toMatchObject({
        source: "builtin",
        parentRunId: null,
        inputShape: [224, 224, 3],
        totalParams: 992,
        layers: MOBILENET_LAYERS,
      });
    }
    expect(listed.find((m) => m.name === "lenet5-digits-0-4")).toMatchObject({
      source: "builtin",
      inputShape: [28, 28, 1],
    });

    const launched = await h.user.experiment.create({
      ...PRESETS.digits,
      name: "digits on MobileNetV2",
      baseModel: "mobilenet-v2-nsfwjs",
    });
    expect(launched.runCount).toBe(PRESETS.digits.strategies.length);
    expect((await h.user.experiment.byId({ experimentId: launched.id })).baseModelName).toBe(
      "mobilenet-v2-nsfwjs",
    );
  });

  it("leaves out a directory whose manifest does not read, naming the field, and registers the others", async () => {
    baseModelDir("mobilenet-v2-nsfwjs", JSON.stringify(OLD_BUILD_BASE_MANIFEST));
    baseModelDir(
      "from-the-future",
      JSON.stringify({
        ...OLD_BUILD_BASE_MANIFEST,
        name: "from-the-future",
        source: { kind: "hub", url: "x" },
      }),
    );
    const { skipped } = await seedCatalog(h.repos.catalog, dataDir);
    expect(skipped).toEqual([
      {
        dir: path.join(dataDir, "base-models", "from-the-future"),
        problem: `${path.join(dataDir, "base-models", "from-the-future", "base-model.json")}: source.kind: must be one of "pretrained", "package", "import", "run", "builtin"`,
      },
    ]);
    expect(await h.services.catalog.baseModelByName("from-the-future")).toBeNull();
    expect(await h.services.catalog.baseModelByName("mobilenet-v2-nsfwjs")).not.toBeNull();
  });
});
