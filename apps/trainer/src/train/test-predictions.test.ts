import path from "node:path";
import type { RunSpec } from "@tlab/core/run";
import { decodePredictions, predictionsAccuracy } from "@tlab/core/run-predictions";
import type { StrategyConfigInput } from "@tlab/core/strategy";
import { decodeThumbnails } from "@tlab/core/test-thumbnails";
import { beforeAll, describe, expect, it } from "vitest";
import { loadDatasetSplit } from "../data/load-dataset-split";
import { loadModelFromDir } from "../model/load-model-files";
import { digitsRunSpec, DIGITS_5_TO_9 } from "../testing/digits-run-spec";
import { initBackend, type tf } from "../tf/backend";
import { trainRun } from "./train-run";

const BASE_DIR = path.resolve(import.meta.dirname, "../../assets/base-models/lenet5-digits-0-4");
const CLASSES = DIGITS_5_TO_9;

function makeSpec(base: tf.LayersModel, strategy: StrategyConfigInput, seed: number): RunSpec {
  return digitsRunSpec(base, strategy, { seed, trainPerClass: 30 });
}

const FROZEN: StrategyConfigInput = { kind: "frozen", learningRate: 0.03 };
const FULL: StrategyConfigInput = { kind: "full", learningRate: 0.003 };

beforeAll(async () => {
  await initBackend("wasm");
});

describe("per-image test predictions", () => {
  it("all strategies of one seed share the test set, in the same order; another seed does not", async () => {
    const base = await loadModelFromDir(BASE_DIR);
    try {
      const load = (strategy: StrategyConfigInput, seed: number) =>
        loadDatasetSplit(makeSpec(base, strategy, seed), { baseModel: base });
      const [frozen, full, partial, otherSeed] = await Promise.all([
        load(FROZEN, 4),
        load(FULL, 4),
        load({ kind: "partial", cut: { by: "topK", k: 2 }, learningRate: 0.01 }, 4),
        load(FROZEN, 5),
      ]);
      for (const other of [full, partial]) {
        expect(other.test.labels).toEqual(frozen.test.labels);
        expect(other.test.xs).toEqual(frozen.test.xs);
      }
      expect(otherSeed.test.xs).not.toEqual(frozen.test.xs);
    } finally {
      base.dispose();
    }
  });

  it("a trained run's predictions give its testAccuracy exactly and pair image by image across strategies", async () => {
    const runs = [];
    for (const strategy of [FROZEN, FULL]) {
      const base = await loadModelFromDir(BASE_DIR);
      try {
        runs.push(await trainRun(makeSpec(base, strategy, 4), { baseModel: base }));
      } finally {
        base.dispose();
      }
    }
    const [frozen, full] = runs.map((r) => ({ ...r, decoded: decodePredictions(r.predictions) }));
    for (const run of [frozen!, full!]) {
      expect(run.decoded.labels.length).toBe(40 * CLASSES.length);
      expect(predictionsAccuracy(run.decoded)).toBe(run.metrics.testAccuracy);
      for (const c of run.decoded.confidence) {
        expect(c).toBeGreaterThanOrEqual(1 / CLASSES.length - 1e-6);
        expect(c).toBeLessThanOrEqual(1 + 1e-6);
      }
      const thumbs = decodeThumbnails(run.testThumbnails);
      expect(thumbs).toMatchObject({ height: 28, width: 28, channels: 1, count: 200 });
    }
    expect(full!.decoded.labels).toEqual(frozen!.decoded.labels);
    // The two strategies learned different models: their predictions differ somewhere.
    expect(full!.decoded.predicted).not.toEqual(frozen!.decoded.predicted);
  }, 120_000);
});
