import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { serializeBaseModelManifest } from "@tlab/core/base-model-manifest";
import { packDataset, type PackedDataset } from "@tlab/core/dataset-pack";
import { isDomainError } from "@tlab/core/errors";
import { PRESETS } from "@tlab/core/presets";
import type { FinalMetrics } from "@tlab/core/run";
import { createContextInner } from "../context";
import { createCaller } from "../root";
import { createApiHarness } from "../testing/api-harness";
import { createServices } from "./create-services";
import { CatalogImportService } from "./catalog-import-service";
import { seedCatalog } from "./seed-catalog";

type Harness = Awaited<ReturnType<typeof createApiHarness>>;
let h: Harness;
let dataDir: string;
let service: CatalogImportService;

beforeEach(async () => {
  h = await createApiHarness();
  dataDir = await mkdtemp(path.join(os.tmpdir(), "tlab-catalog-import-"));
  service = new CatalogImportService(h.repos.catalog, h.repos.runs, h.repos.experiments, dataDir);
});
afterEach(async () => {
  await h.cleanup();
  await rm(dataDir, { recursive: true, force: true });
});

function tinyDataset(value = 0): PackedDataset {
  const count = 12;
  return {
    format: "imagefolder",
    height: 2,
    width: 2,
    channels: 1,
    classNames: ["cat", "dog"],
    train: {
      count,
      images: new Uint8Array(count * 4).fill(value),
      labels: Uint16Array.from({ length: count }, (_, i) => i % 2),
    },
    test: null,
  };
}

const layer = (
  name: string,
  className: string,
  inbound: string | null,
  config: Record<string, unknown> = {},
) => ({
  name,
  class_name: className,
  config: { name, ...config },
  inbound_nodes: inbound ? [[[inbound, 0, 0, {}]]] : [],
});
/** A small functional model: input 4×4×1 → conv (10 params) → flatten → fc (57) [→ head_output (8) → head_softmax]. */
function modelFiles(withHead: boolean): Map<string, Uint8Array> {
  const layers = [
    layer("input", "InputLayer", null, { batch_input_shape: [null, 4, 4, 1] }),
    layer("conv", "Conv2D", "input"),
    layer("flatten", "Flatten", "conv"),
    layer("fc", "Dense", "flatten"),
  ];
  const weights = [
    { name: "conv/kernel", shape: [2, 2, 1, 2], dtype: "float32" },
    { name: "conv/bias", shape: [2], dtype: "float32" },
    { name: "fc/kernel", shape: [18, 3], dtype: "float32" },
    { name: "fc/bias", shape: [3], dtype: "float32" },
  ];
  if (withHead) {
    layers.push(
      layer("head_output", "Dense", "fc"),
      layer("head_softmax", "Activation", "head_output"),
    );
    weights.push(
      { name: "head_output/kernel", shape: [3, 2], dtype: "float32" },
      { name: "head_output/bias", shape: [2], dtype: "float32" },
    );
  }
  const output = withHead ? "head_softmax" : "fc";
  const modelJson = {
    format: "layers-model",
    modelTopology: {
      class_name: "Model",
      config: {
        name: "m",
        layers,
        input_layers: [["input", 0, 0]],
        output_layers: [[output, 0, 0]],
      },
    },
    weightsManifest: [{ paths: ["weights.bin"], weights }],
  };
  const bytes = (withHead ? 75 : 67) * 4;
  return new Map([
    ["model.json", new TextEncoder().encode(JSON.stringify(modelJson))],
    ["weights.bin", Uint8Array.from({ length: bytes }, (_, i) => i % 256)],
  ]);
}

async function errorOf(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(error instanceof Error)) throw new Error("expected a rejection");
  return error;
}

const metrics: FinalMetrics = {
  testAccuracy: 0.9,
  testLoss: 0.3,
  confusionMatrix: [
    [1, 0],
    [0, 1],
  ],
  classNames: ["cat", "dog"],
  perClass: [],
  bestEpoch: 1,
  epochsRun: 1,
  trainableParams: 8,
  totalParams: 75,
  wallTimeMs: 10,
  trainImagesPerSec: 100,
  peakMemoryBytes: 1,
};

describe("CatalogImportService: datasets", () => {
  it("stores and registers a packed dataset; the same content again is a no-op, other content under the name is refused", async () => {
    const packed = packDataset(tinyDataset());
    const first = await service.importDataset({ name: "pets", packed });
    expect(first.created).toBe(true);
    expect(first.dataset.spec).toMatchObject({
      source: "upload",
      numClasses: 2,
      counts: { train: [6, 6] },
      hasTestSplit: false,
    });
    expect(first.dataset.description).toMatch(
      /imagefolder upload: 12 images in 2 classes \(cat 6, dog 6\)/,
    );
    const stored = await service.datasetFile("pets");
    expect(new Uint8Array(await readFile(stored.path))).toEqual(packed);
    expect(stored.path).toBe(path.join(dataDir, "datasets", "pets", `${stored.sha256}.tlds`));

    expect((await service.importDataset({ name: "pets", packed })).created).toBe(false);
    const conflict = await errorOf(
      service.importDataset({ name: "pets", packed: packDataset(tinyDataset(9)) }),
    );
    expect(isDomainError(conflict) && conflict.code).toBe("INVALID_INPUT");
    expect(conflict.message).toMatch(
      /name: a dataset named "pets" already exists with different content/,
    );
  });

  it("refuses bad names and damaged files before writing anything", async () => {
    expect(
      (await errorOf(service.importDataset({ name: "../etc", packed: packDataset(tinyDataset()) })))
        .message,
    ).toMatch(/name: "\.\.\/etc" is not a valid name/);
    expect(
      (await errorOf(service.importDataset({ name: "x", packed: new Uint8Array([1, 2, 3]) })))
        .message,
    ).toMatch(/dataset: not a packed Transfer Lab dataset/);
    expect(existsSync(path.join(dataDir, "datasets"))).toBe(false);
  });

  it("hands out a dataset file only from the dataset's own folder, not through a symbolic link out of it", async () => {
    await service.importDataset({ name: "pets", packed: packDataset(tinyDataset()) });
    const stored = await service.datasetFile("pets");
    const outside = path.join(dataDir, "..", `${path.basename(dataDir)}-outside.tlds`);
    await writeFile(outside, "secret");
    try {
      await rm(stored.path);
      await symlink(outside, stored.path);
      const refused = await errorOf(service.datasetFile("pets"));
      expect(isDomainError(refused) && refused.code).toBe("INVALID_INPUT");
      expect(refused.message).toBe(
        `dataset file: "${stored.sha256}.tlds" is a symbolic link (or lies under one) that leads out of its folder; refused`,
      );
      await rm(stored.path);
      expect((await errorOf(service.datasetFile("pets"))).message).toMatch(
        /name: dataset "pets" is registered but its file is missing/,
      );
    } finally {
      await rm(outside, { force: true });
    }
  });

  it("refuses a description longer than the limit, naming the field", async () => {
    const error = await errorOf(
      service.importDataset({
        name: "pets",
        packed: packDataset(tinyDataset()),
        description: "x".repeat(2001),
      }),
    );
    expect(error.message).toBe("description: at most 2000 characters");
    expect(existsSync(path.join(dataDir, "datasets"))).toBe(false);
  });

  it("checks the split budget at launch and hands workers the download path with the claim", async () => {
    await service.importDataset({ name: "pets", packed: packDataset(tinyDataset()) });
    const launch = {
      ...PRESETS.digits,
      name: "pets",
      dataset: "pets",
      strategies: [PRESETS.digits.strategies[0]!],
      trainPerClass: 4,
      testPerClass: 2,
    };
    const tooBig = await errorOf(h.user.experiment.create({ ...launch, trainPerClass: 5 }));
    expect(tooBig.message).toMatch(
      /trainPerClass: class "cat" has only 6 images but trainPerClass \(5\) \+ testPerClass \(2\) = 7/,
    );
    await h.user.experiment.create(launch);
    const worker = await h.worker.worker.register({
      name: "w",
      hostname: "h",
      backend: "wasm",
      device: "cpu",
      versions: {},
    });
    const spec = await h.worker.worker.claim({ workerId: worker.id });
    expect(spec?.dataset).toMatchObject({
      name: "pets",
      dataPath: "/api/datasets/pets/data",
      spec: { source: "upload" },
    });
  });
});

describe("CatalogImportService: base models", () => {
  it("imports a LayersModel with its sidecar, and a server restart keeps it an import", async () => {
    const { baseModel, created } = await service.importBaseModel({
      name: "tiny",
      files: modelFiles(false),
      description: "a test model",
      preprocessing: { inputRange: [-1, 1] },
    });
    expect(created).toBe(true);
    expect(baseModel).toMatchObject({
      name: "tiny",
      source: "import",
      parentRunId: null,
      inputShape: [4, 4, 1],
      totalParams: 67,
    });
    expect(baseModel.layers.map((l) => l.name)).toEqual(["conv", "flatten", "fc"]);
    const dir = path.join(dataDir, "base-models", "tiny");
    const modelJson = JSON.parse(await readFile(path.join(dir, "model.json"), "utf8")) as {
      userDefinedMetadata: unknown;
    };
    expect(modelJson.userDefinedMetadata).toEqual({
      tlab: { preprocessing: { inputRange: [-1, 1] } },
    });
    expect(JSON.parse(await readFile(path.join(dir, "base-model.json"), "utf8"))).toMatchObject({
      source: { kind: "import" },
      totalParams: 67,
      preprocessing: { inputRange: [-1, 1] },
    });

    const before = await h.services.catalog.baseModelByName("tiny");
    await seedCatalog(h.repos.catalog, dataDir);
    expect(await h.services.catalog.baseModelByName("tiny")).toEqual(before);
    expect(
      (
        await service.importBaseModel({
          name: "tiny",
          files: modelFiles(false),
          description: "a test model",
          preprocessing: { inputRange: [-1, 1] },
        })
      ).created,
    ).toBe(false);
  });

  it("takes an upload of the model a server start registered from its folder as the same content", async () => {
    // As `tlab build-base` run again with a server up: the folder's manifest (a package source)
    // differs from the one an upload gets, the model files do not.
    const dir = path.join(dataDir, "base-models", "tiny-shipped");
    await mkdir(dir, { recursive: true });
    for (const [file, bytes] of modelFiles(false)) await writeFile(path.join(dir, file), bytes);
    // Written by another tool: the same model.json with its keys in another order.
    const modelJson = JSON.parse(
      new TextDecoder().decode(modelFiles(false).get("model.json")),
    ) as Record<string, unknown>;
    await writeFile(
      path.join(dir, "model.json"),
      JSON.stringify(Object.fromEntries(Object.entries(modelJson).reverse())),
    );
    const source = {
      kind: "package" as const,
      package: "tiny-models",
      version: "1.0.0",
      license: "MIT",
      cutAfter: "fc",
      removed: [],
    };
    await writeFile(
      path.join(dir, "base-model.json"),
      serializeBaseModelManifest({
        name: "tiny-shipped",
        inputShape: [4, 4, 1],
        layers: [{ name: "conv", className: "Conv2D", paramCount: 10 }],
        totalParams: 67,
        source,
      }),
    );
    await seedCatalog(h.repos.catalog, dataDir);
    const uploaded = await service.importBaseModel({
      name: "tiny-shipped",
      files: modelFiles(false),
    });
    expect(uploaded).toMatchObject({
      created: false,
      baseModel: { name: "tiny-shipped", source: "builtin" },
    });
    const other = modelFiles(false);
    other.set(
      "weights.bin",
      other.get("weights.bin")!.map((b) => b ^ 1),
    );
    expect(
      (await errorOf(service.importBaseModel({ name: "tiny-shipped", files: other }))).message,
    ).toMatch(/name: a base model named "tiny-shipped" already exists with different content/);
  });

  it("refuses a model with a missing weight file, naming it", async () => {
    const files = modelFiles(false);
    files.delete("weights.bin");
    const error = await errorOf(service.importBaseModel({ name: "broken", files }));
    expect(error.message).toMatch(
      /model: weight file\(s\) listed in model.json are missing: weights\.bin/,
    );
    expect(existsSync(path.join(dataDir, "base-models", "broken"))).toBe(false);
  });

  it("refuses a model.json whose weight paths lead out of the model's folder, before writing anything", async () => {
    const files = modelFiles(false);
    const json = JSON.parse(new TextDecoder().decode(files.get("model.json"))) as {
      weightsManifest: Array<{ paths: string[] }>;
    };
    for (const escaping of ["../weights.bin", "/etc/passwd", "sub\\..\\..\\weights.bin"]) {
      json.weightsManifest[0]!.paths = [escaping];
      files.set("model.json", new TextEncoder().encode(JSON.stringify(json)));
      const error = await errorOf(service.importBaseModel({ name: "escape", files }));
      expect(error.message).toBe(
        `model: model.json lists the weight file ${JSON.stringify(escaping)}, which is not a plain file name beside model.json (letters, digits, ".", "_" and "-", at most 200, not "." or "..")`,
      );
    }
    expect(existsSync(path.join(dataDir, "base-models"))).toBe(false);
  });

  it("promotes a succeeded run's model, cut before its classifier, with the run as parent", async () => {
    await service.importBaseModel({
      name: "tiny",
      files: modelFiles(false),
      preprocessing: { inputRange: [-1, 1] },
    });
    await service.importDataset({ name: "pets", packed: packDataset(tinyDataset()) });
    await h.user.experiment.create({
      ...PRESETS.digits,
      name: "tiny on pets",
      baseModel: "tiny",
      dataset: "pets",
      strategies: [PRESETS.digits.strategies[0]!],
      trainPerClass: 4,
      testPerClass: 2,
    });
    const worker = await h.worker.worker.register({
      name: "w",
      hostname: "h",
      backend: "wasm",
      device: "cpu",
      versions: {},
    });
    const spec = (await h.worker.worker.claim({ workerId: worker.id }))!;
    expect(
      (await errorOf(service.promoteRun({ runId: spec.runId, name: "tiny-pets" }))).message,
    ).toMatch(/is RUNNING; only a succeeded run can be promoted/);

    // What the artifact route stores for a worker's upload.
    const runDir = path.join(dataDir, "artifacts", spec.runId);
    await mkdir(runDir, { recursive: true });
    for (const [file, bytes] of modelFiles(true)) {
      await writeFile(path.join(runDir, file), bytes);
      await h.repos.runs.recordArtifact({
        runId: spec.runId,
        kind: "model",
        fileName: file,
        storagePath: path.join("artifacts", spec.runId, file),
        sizeBytes: bytes.length,
        sha256: "0".repeat(64),
      });
    }
    await h.worker.worker.complete({ workerId: worker.id, runId: spec.runId, metrics });

    // Through the tRPC procedure, on services wired with a DATA_DIR as the web server wires them.
    const user = createCaller(
      createContextInner({
        services: createServices(h.db, { dataDir }),
        principal: { kind: "user", user: h.users.member, via: "session" },
      }),
    );
    const base = await user.catalog.promoteRun({ runId: spec.runId, name: "tiny-pets" });
    expect(base).toMatchObject({
      name: "tiny-pets",
      source: "run",
      parentRunId: spec.runId,
      inputShape: [4, 4, 1],
      totalParams: 67,
    });
    expect(base.layers.map((l) => l.name)).toEqual(["conv", "flatten", "fc"]);
    expect(base.description).toMatch(
      /from base model tiny; cut before its classifier \(removed: head_output, head_softmax\), output fc/,
    );
    const dir = path.join(dataDir, "base-models", "tiny-pets");
    const weights = await readFile(path.join(dir, "weights.bin"));
    expect(new Uint8Array(weights)).toEqual(
      modelFiles(true)
        .get("weights.bin")!
        .subarray(0, 67 * 4),
    );
    const modelJson = JSON.parse(await readFile(path.join(dir, "model.json"), "utf8")) as {
      userDefinedMetadata: unknown;
    };
    expect(modelJson.userDefinedMetadata).toEqual({
      tlab: { preprocessing: { inputRange: [-1, 1] } },
    });
    expect(
      (await h.user.catalog.baseModels()).find((m) => m.name === "tiny-pets")?.parentRunId,
    ).toBe(spec.runId);
    expect(JSON.parse(await readFile(path.join(dir, "base-model.json"), "utf8"))).toMatchObject({
      source: { kind: "run", runId: spec.runId },
    });
    // A server start reads the manifest back: still a promoted run, with its lineage.
    await seedCatalog(h.repos.catalog, dataDir);
    expect(await h.services.catalog.baseModelByName("tiny-pets")).toMatchObject({
      source: "run",
      parentRunId: spec.runId,
    });

    // Lineage both ways: the catalog names the source run as the dashboard does, and the run lists what was promoted from it.
    const run = await h.user.run.byId({ runId: spec.runId });
    const listed = await h.user.catalog.baseModels();
    expect(listed.find((m) => m.name === "tiny-pets")?.sourceRun).toEqual({
      id: spec.runId,
      experimentId: run.experimentId,
      experimentName: "tiny on pets",
      strategy: run.strategy,
      seed: run.seed,
    });
    expect(listed.find((m) => m.name === "tiny")?.sourceRun).toBeNull();
    expect(await h.user.catalog.promotedFrom({ runId: spec.runId })).toEqual([
      { id: base.id, name: "tiny-pets", createdAt: base.createdAt },
    ]);
    await user.catalog.promoteRun({ runId: spec.runId, name: "tiny-pets-again" });
    expect((await h.user.catalog.promotedFrom({ runId: spec.runId })).map((m) => m.name)).toEqual([
      "tiny-pets",
      "tiny-pets-again",
    ]);
    expect(await h.user.catalog.promotedFrom({ runId: "no-such-run" })).toEqual([]);
  });
});
