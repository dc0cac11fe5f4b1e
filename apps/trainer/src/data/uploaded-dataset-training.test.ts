import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RUN_MODEL_CLASSIFIER_LAYER } from "@tlab/core/catalog-input";
import { DEFAULT_TRAINING_OPTIONS } from "@tlab/core/experiment";
import { cutBeforeLayer, inspectLayersModel } from "@tlab/core/layers-model-json";
import { FinalMetrics, type RunSpec } from "@tlab/core/run";
import { StrategyConfig } from "@tlab/core/strategy";
import { loadModelFromDir, loadModelFromFiles } from "../model/load-model-files";
import { modelArtifactsToFiles } from "../model/model-files";
import { readLayerInfo } from "../model/read-layer-info";
import { writeShapesFolder } from "../testing/synthetic-images";
import { initBackend } from "../tf/backend";
import { trainRun } from "../train/train-run";
import { importDataset } from "./import-dataset";

const LENET_DIR = path.resolve(import.meta.dirname, "../../assets/base-models/lenet5-digits-0-4");

let tmp: string;
beforeAll(async () => {
  await initBackend("wasm");
  tmp = await mkdtemp(path.join(os.tmpdir(), "tlab-train-upload-"));
});
afterAll(async () => rm(tmp, { recursive: true, force: true }));

describe("an imported image-folder dataset, end to end on the trainer", () => {
  it("trains the frozen LeNet-5 base on generated shapes above chance, and the run's model can be cut into a new base", async () => {
    // 3 classes of 32×32 PNG/JPEG shapes: stored at 32×32, converted to LeNet's 28×28×1 on load.
    const folder = await writeShapesFolder(path.join(tmp, "shapes"), {
      perClass: 40,
      size: 32,
      seed: 5,
    });
    const imported = await importDataset({ format: "imagefolder", source: folder });
    const datasetFile = path.join(tmp, `${imported.spec.sha256}.tlds`);
    await writeFile(datasetFile, imported.packed);

    const base = await loadModelFromDir(LENET_DIR);
    const spec: RunSpec = {
      runId: "run-shapes",
      experimentId: "experiment-shapes",
      attempt: 1,
      seed: 2,
      strategy: StrategyConfig.parse({ kind: "frozen", learningRate: 0.03 }),
      epochs: 2,
      batchSize: 16,
      trainPerClass: 24,
      validationFraction: 0.25,
      testPerClass: 12,
      training: DEFAULT_TRAINING_OPTIONS,
      leaseMs: 60_000,
      baseModel: {
        id: "base",
        name: "lenet5-digits-0-4",
        inputShape: [28, 28, 1],
        layers: readLayerInfo(base),
        modelPath: "",
      },
      dataset: {
        id: "shapes",
        name: "shapes",
        spec: imported.spec,
        classNames: imported.dataset.classNames,
        dataPath: "/api/datasets/shapes/data",
      },
    };
    const { metrics, artifacts } = await trainRun(spec, { baseModel: base, datasetFile });
    base.dispose();

    expect(FinalMetrics.parse(metrics)).toEqual(metrics);
    expect(metrics.classNames).toEqual(["box", "hbar", "vbar"]);
    expect(metrics.confusionMatrix.flat().reduce((a, b) => a + b, 0)).toBe(3 * 12);
    // Chance is 1/3; features pretrained on digits separate bars from boxes easily.
    expect(metrics.testAccuracy).toBeGreaterThan(0.6);

    // Promotion: the run's model cut before its classifier is LeNet-5 up to fc2 again.
    const files = modelArtifactsToFiles(artifacts);
    const cut = cutBeforeLayer(files.modelJson, files.weights, RUN_MODEL_CLASSIFIER_LAYER);
    expect(cut.outputLayer).toBe("fc2");
    expect(cut.removedLayers).toEqual(["head_output", "head_softmax"]);
    const promoted = await loadModelFromFiles(cut.modelJson as never, cut.weights);
    expect(promoted.outputs[0]!.shape).toEqual([null, 84]);
    const inspection = inspectLayersModel(
      cut.modelJson,
      new Map([["weights.bin", cut.weights.length]]),
    );
    expect(inspection.layers).toEqual(readLayerInfo(promoted));
    expect(inspection.inputShape).toEqual([28, 28, 1]);
    promoted.dispose();
  });
});
