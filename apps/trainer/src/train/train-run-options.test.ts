import { mkdtemp, readdir, rm, truncate } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {
  DEFAULT_TRAINING_OPTIONS,
  TrainingOptions,
  type TrainingOptions as TrainingOptionsValue,
} from "@tlab/core/experiment";
import { LEARNING_RATE_METRIC, METRIC, type MetricPoint, type RunSpec } from "@tlab/core/run";
import type { StrategyConfigInput } from "@tlab/core/strategy";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { InferencePlan } from "../model/inference-plan";
import { loadModelFromDir } from "../model/load-model-files";
import { digitsRunSpec } from "../testing/digits-run-spec";
import { initBackend, type tf } from "../tf/backend";
import { learningRateFactor } from "./lr-schedule";
import { trainRun, type FeatureEvent, type TrainRunDeps } from "./train-run";

const BASE_DIR = path.resolve(import.meta.dirname, "../../assets/base-models/lenet5-digits-0-4");
/** Small enough that Adam changes nothing representable in float32: validation accuracy plateaus at once. */
const NO_LEARNING = 1e-9;

function makeSpec(
  base: tf.LayersModel,
  strategy: StrategyConfigInput,
  training: Partial<TrainingOptionsValue> = {},
  overrides: Partial<RunSpec> = {},
): RunSpec {
  return digitsRunSpec(base, strategy, {
    runId: "run-options",
    experimentId: "experiment-options",
    seed: 5,
    epochs: 3,
    validationFraction: 0.25,
    testPerClass: 60,
    training: TrainingOptions.parse({ ...DEFAULT_TRAINING_OPTIONS, ...training }),
    ...overrides,
  });
}

interface Observed {
  epochs: Map<number, Map<string, number>>;
  progress: number[];
  features: FeatureEvent[];
}

/** Trains on a freshly loaded base and records what the run reports along the way. */
async function observeRun(
  strategy: StrategyConfigInput,
  training: Partial<TrainingOptionsValue> = {},
  overrides: Partial<RunSpec> = {},
  deps: Partial<TrainRunDeps> = {},
) {
  const base = await loadModelFromDir(BASE_DIR);
  const observed: Observed = { epochs: new Map(), progress: [], features: [] };
  try {
    const result = await trainRun(makeSpec(base, strategy, training, overrides), {
      baseModel: base,
      onEpoch: (epoch, points: MetricPoint[]) => {
        observed.epochs.set(epoch, new Map(points.map((p) => [p.name, p.value])));
      },
      onProgress: (fraction) => observed.progress.push(fraction),
      onFeatures: (event) => observed.features.push(event),
      ...deps,
    });
    return { ...result, observed, base };
  } catch (error) {
    base.dispose();
    throw error;
  }
}

const series = (observed: Observed, metric: string) =>
  [...observed.epochs.values()].map((points) => points.get(metric)!);

beforeAll(async () => {
  await initBackend("wasm");
});

describe("early stopping", () => {
  it("stops once validation accuracy has not improved for `patience` epochs, well before the budget", async () => {
    const run = await observeRun(
      { kind: "frozen", learningRate: NO_LEARNING },
      { earlyStoppingPatience: 2 },
      { epochs: 10 },
    );
    run.base.dispose();
    const accuracy = series(run.observed, METRIC.valAccuracy);
    expect(new Set(accuracy).size).toBe(1); // the plateau this test relies on
    expect(run.metrics.epochsRun).toBe(3);
    expect([...run.observed.epochs.keys()]).toEqual([1, 2, 3]);
    expect(run.metrics.bestEpoch).toBeGreaterThanOrEqual(1);
    expect(run.metrics.bestEpoch).toBeLessThanOrEqual(3);
    expect(run.observed.progress.at(-1)).toBe(1);
  });

  it("restores the best epoch's weights: the test result is that of the best validation epoch", async () => {
    // A learning rate high enough to make validation accuracy move around.
    const strategy: StrategyConfigInput = { kind: "frozen", learningRate: 0.3 };
    const stopped = await observeRun(strategy, { earlyStoppingPatience: 2 }, { epochs: 10 });
    stopped.base.dispose();
    const accuracy = series(stopped.observed, METRIC.valAccuracy);
    const loss = series(stopped.observed, METRIC.valLoss);
    const best =
      accuracy.reduce(
        (b, a, i) => (a > accuracy[b]! || (a === accuracy[b]! && loss[i]! < loss[b]!) ? i : b),
        0,
      ) + 1;
    expect(stopped.metrics.bestEpoch).toBe(best);
    const lastGain = accuracy.reduce(
      (g, a, i) => (a > Math.max(...accuracy.slice(0, i), -1) ? i + 1 : g),
      0,
    );
    expect(stopped.metrics.epochsRun).toBe(Math.min(10, lastGain + 2));
    // This seed's trajectory stops early, after a better epoch than its last: weights were restored.
    expect(stopped.metrics.epochsRun).toBeLessThan(10);
    expect(stopped.metrics.bestEpoch).toBeLessThan(stopped.metrics.epochsRun);

    // The same run trained for exactly bestEpoch epochs ends with the same weights, so the same
    // test result (same seed: same batches, same steps).
    const replay = await observeRun(strategy, {}, { epochs: stopped.metrics.bestEpoch });
    replay.base.dispose();
    expect(stopped.metrics.testLoss).toBeCloseTo(replay.metrics.testLoss!, 6);
    expect(stopped.metrics.confusionMatrix).toEqual(replay.metrics.confusionMatrix);
  });

  it("does not count the head-only warmup of partial against the patience", async () => {
    const run = await observeRun(
      {
        kind: "partial",
        cut: { by: "layer", layer: "fc1" },
        warmupEpochs: 3,
        learningRate: NO_LEARNING,
        baseLearningRate: NO_LEARNING,
      },
      { earlyStoppingPatience: 1 },
      { epochs: 8 },
    );
    run.base.dispose();
    // Three warmup epochs, then one fine-tuning epoch without a gain.
    expect(run.metrics.epochsRun).toBe(4);
  });
});

describe("learning-rate schedule", () => {
  it.each(["constant", "cosine", "step"] as const)(
    "%s sets the learning rate of each epoch from the budget",
    async (lrSchedule) => {
      const epochs = 4;
      const run = await observeRun(
        { kind: "full", learningRate: 0.002, baseLearningRate: 0.001 },
        { lrSchedule },
        { epochs, trainPerClass: 16 },
      );
      run.base.dispose();
      const expected = Array.from(
        { length: epochs },
        (_, i) => 0.002 * learningRateFactor(lrSchedule, i + 1, epochs),
      );
      const actual = series(run.observed, LEARNING_RATE_METRIC);
      actual.forEach((value, i) => {
        expect(value).toBeCloseTo(expected[i]!, 12);
      });
    },
  );

  it("with step decay, late epochs barely move the weights", async () => {
    // step: ×0.01 in the last quarter. Weight change per epoch shrinks accordingly.
    const base = await loadModelFromDir(BASE_DIR);
    const snapshots: Float32Array[] = [];
    const kernel = () => base.getLayer("fc2").getWeights()[0]!.dataSync() as Float32Array;
    snapshots.push(Float32Array.from(kernel()));
    await trainRun(
      makeSpec(
        base,
        { kind: "full", learningRate: 0.003, baseLearningRate: 0.003 },
        { lrSchedule: "step" },
        { epochs: 4, trainPerClass: 16, validationFraction: 0.25 },
      ),
      {
        baseModel: base,
        onEpoch: () => {
          snapshots.push(Float32Array.from(kernel()));
        },
      },
    );
    base.dispose();
    const moved = snapshots
      .slice(1)
      .map((s, i) => Math.max(...s.map((v, j) => Math.abs(v - snapshots[i]![j]!))));
    expect(moved[3]!).toBeLessThan(moved[0]! / 10);
  });
});

describe("augmentation", () => {
  const HEAVY = { shiftPixels: 4, rotateDegrees: 30, brightness: 0.3, flipHorizontal: true };

  it("changes the training batches but never validation or test", async () => {
    const strategy: StrategyConfigInput = { kind: "frozen", learningRate: NO_LEARNING };
    const plain = await observeRun(strategy, {}, { epochs: 1 });
    plain.base.dispose();
    const augmented = await observeRun(strategy, { augmentation: HEAVY }, { epochs: 1 });
    augmented.base.dispose();
    // The model does not learn (NO_LEARNING), so any difference comes from the inputs.
    expect(series(augmented.observed, METRIC.trainLoss)[0]).not.toBeCloseTo(
      series(plain.observed, METRIC.trainLoss)[0]!,
      3,
    );
    expect(series(augmented.observed, METRIC.valLoss)).toEqual(
      series(plain.observed, METRIC.valLoss),
    );
    expect(augmented.metrics.testLoss).toBe(plain.metrics.testLoss);
    expect(augmented.metrics.confusionMatrix).toEqual(plain.metrics.confusionMatrix);
  });

  it("runs partial's frozen bottom per batch in inference mode and keeps it bit-identical", async () => {
    const base = await loadModelFromDir(BASE_DIR);
    const frozenNames = ["conv1", "conv2", "fc1"];
    const before = frozenNames.map((name) =>
      base
        .getLayer(name)
        .getWeights()
        .map((w) => Array.from(w.dataSync())),
    );
    const features: FeatureEvent[] = [];
    const spec = makeSpec(
      base,
      { kind: "partial", cut: { by: "layer", layer: "fc1" } },
      { augmentation: HEAVY },
      { epochs: 2 },
    );
    const first = await trainRun(spec, { baseModel: base, onFeatures: (e) => features.push(e) });
    expect(features.map((e) => [e.split, e.source])).toEqual([
      ["train", "per-batch"],
      ["val", "computed"],
      ["test", "computed"],
    ]);
    const after = frozenNames.map((name) =>
      base
        .getLayer(name)
        .getWeights()
        .map((w) => Array.from(w.dataSync())),
    );
    expect(after).toEqual(before);
    expect(first.metrics.testAccuracy).toBeGreaterThan(0.5);
    base.dispose();

    // Seeded: the same spec gives the same result.
    const again = await observeRun(
      { kind: "partial", cut: { by: "layer", layer: "fc1" } },
      { augmentation: HEAVY },
      { epochs: 2 },
    );
    again.base.dispose();
    expect(again.metrics.testLoss).toBe(first.metrics.testLoss);
  });
});

describe("feature cache on disk", () => {
  let cacheDir: string;
  beforeAll(async () => {
    cacheDir = await mkdtemp(path.join(os.tmpdir(), "tlab-train-cache-"));
  });
  afterAll(async () => {
    await rm(cacheDir, { recursive: true, force: true });
  });

  it("lets a second frozen run skip the base's forward pass entirely, with identical results", async () => {
    const strategy: StrategyConfigInput = { kind: "frozen", head: { hiddenUnits: 16 } };
    // The frozen layers run through their inference plan: its predict is the base's forward pass.
    const predict = vi.spyOn(InferencePlan.prototype, "predict");
    try {
      const cold = await observeRun(strategy, {}, {}, { cacheDir });
      cold.base.dispose();
      expect(cold.observed.features.map((e) => e.source)).toEqual([
        "computed",
        "computed",
        "computed",
      ]);
      // Computed features say how the frozen layers ran (LeNet-5 has nothing to fold, nor to fall back on).
      expect(cold.observed.features[0]!.inferencePlan).toMatch(
        /^\d+ layers in \d+ steps: 0 BatchNormalization folded, .*layer fallback: none$/,
      );
      const coldForwardCalls = predict.mock.calls.length;
      expect(coldForwardCalls).toBeGreaterThan(0);

      const warm = await observeRun(strategy, {}, {}, { cacheDir });
      warm.base.dispose();
      expect(warm.observed.features.map((e) => [e.split, e.source, e.images])).toEqual([
        ["train", "disk-cache", 150],
        ["val", "disk-cache", 50],
        ["test", "disk-cache", 300],
      ]);
      expect(predict.mock.calls.length).toBe(coldForwardCalls); // not one more base forward pass
      expect(warm.metrics.testLoss).toBe(cold.metrics.testLoss);
      expect(warm.metrics.confusionMatrix).toEqual(cold.metrics.confusionMatrix);
    } finally {
      predict.mockRestore();
    }
  });

  it("keys entries by cut layer and data: another cut or seed computes its own", async () => {
    const partial = await observeRun(
      { kind: "partial", cut: { by: "layer", layer: "pool2" } },
      {},
      { epochs: 1 },
      { cacheDir },
    );
    partial.base.dispose();
    expect(partial.observed.features.map((e) => e.source)).toEqual([
      "computed",
      "computed",
      "computed",
    ]);
    const again = await observeRun(
      { kind: "partial", cut: { by: "layer", layer: "pool2" } },
      {},
      { epochs: 1 },
      { cacheDir },
    );
    again.base.dispose();
    expect(again.observed.features.map((e) => e.source)).toEqual([
      "disk-cache",
      "disk-cache",
      "disk-cache",
    ]);
    const otherSeed = await observeRun(
      { kind: "partial", cut: { by: "layer", layer: "pool2" } },
      {},
      { epochs: 1, seed: 6 },
      { cacheDir },
    );
    otherSeed.base.dispose();
    expect(otherSeed.observed.features.map((e) => e.source)).toEqual([
      "computed",
      "computed",
      "computed",
    ]);
  });

  it("recomputes features whose cache files were damaged, and the run still succeeds", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "tlab-train-cache-damaged-"));
    try {
      const first = await observeRun({ kind: "frozen" }, {}, { epochs: 1 }, { cacheDir: dir });
      first.base.dispose();
      for (const name of (await readdir(dir)).filter((n) => n.endsWith(".f32")))
        await truncate(path.join(dir, name), 8);
      const second = await observeRun({ kind: "frozen" }, {}, { epochs: 1 }, { cacheDir: dir });
      second.base.dispose();
      expect(second.observed.features.map((e) => e.source)).toEqual([
        "computed",
        "computed",
        "computed",
      ]);
      expect(second.metrics.testLoss).toBe(first.metrics.testLoss);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
