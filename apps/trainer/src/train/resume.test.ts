import path from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_TRAINING_OPTIONS } from "@tlab/core/experiment";
import type { RunSpec } from "@tlab/core/run";
import { StrategyConfig } from "@tlab/core/strategy";
import { loadModelFromDir } from "../model/load-model-files";
import { readLayerInfo } from "../model/read-layer-info";
import { initBackend } from "../tf/backend";
import { decodeCheckpoint, encodeCheckpoint, type TrainingCheckpoint } from "./training-checkpoint";
import { trainRun } from "./train-run";

const BASE_DIR = path.resolve(import.meta.dirname, "../../assets/base-models/lenet5-digits-0-4");

async function specFor(strategy: unknown, epochs: number): Promise<RunSpec> {
  const base = await loadModelFromDir(BASE_DIR);
  const layers = readLayerInfo(base);
  base.dispose();
  return {
    runId: "r",
    experimentId: "e",
    attempt: 1,
    seed: 3,
    strategy: StrategyConfig.parse(strategy),
    epochs,
    batchSize: 32,
    trainPerClass: 40,
    validationFraction: 0.2,
    testPerClass: 40,
    training: DEFAULT_TRAINING_OPTIONS,
    leaseMs: 60_000,
    baseModel: {
      id: "b",
      name: "lenet5-digits-0-4",
      inputShape: [28, 28, 1],
      layers,
      modelPath: "/x",
    },
    dataset: {
      id: "d",
      name: "mnist-digits-5-9",
      spec: { source: "mnist", classes: [5, 6, 7, 8, 9] },
      classNames: ["5", "6", "7", "8", "9"],
    },
  };
}

describe("resuming a run from its epoch checkpoint", () => {
  it("continues where the checkpoint left off and ends like an uninterrupted run", async () => {
    await initBackend("wasm");
    const spec = await specFor({ kind: "partial" }, 3);

    const checkpoints: TrainingCheckpoint[] = [];
    const uninterruptedSteps: number[] = [];
    const baseA = await loadModelFromDir(BASE_DIR);
    const uninterrupted = await trainRun(spec, {
      baseModel: baseA,
      onEpoch: (epoch) => void uninterruptedSteps.push(epoch),
      onCheckpoint: (c) => void checkpoints.push(c),
    });
    baseA.dispose();
    expect(checkpoints.map((c) => c.epoch)).toEqual([1, 2, 3]);

    // The worker died after epoch 1; its checkpoint went through the wire format.
    const wire = encodeCheckpoint(checkpoints[0]!);
    const restored = decodeCheckpoint(wire.header, wire.data);
    const resumedSteps: number[] = [];
    const baseB = await loadModelFromDir(BASE_DIR);
    const resumed = await trainRun(spec, {
      baseModel: baseB,
      resume: restored,
      onEpoch: (epoch) => void resumedSteps.push(epoch),
    });
    baseB.dispose();

    expect(uninterruptedSteps).toEqual([1, 2, 3]);
    expect(resumedSteps).toEqual([2, 3]);
    expect(resumed.metrics.epochsRun).toBe(3);
    expect(resumed.metrics.testAccuracy).toBeGreaterThan(0.5); // chance is 0.2
    // Fresh optimizer moments after the restart make it close to, not identical with, the original.
    expect(
      Math.abs(resumed.metrics.testAccuracy - uninterrupted.metrics.testAccuracy),
    ).toBeLessThan(0.15);
  });

  it("refuses a checkpoint made for a different model or strategy", async () => {
    await initBackend("wasm");
    const full = await specFor({ kind: "full" }, 2);
    const frozen = await specFor({ kind: "frozen" }, 2);
    const checkpoints: TrainingCheckpoint[] = [];
    const base = await loadModelFromDir(BASE_DIR);
    await trainRun(frozen, { baseModel: base, onCheckpoint: (c) => void checkpoints.push(c) });
    base.dispose();
    const other = await loadModelFromDir(BASE_DIR);
    await expect(trainRun(full, { baseModel: other, resume: checkpoints[0]! })).rejects.toThrow(
      /checkpoint holds \d+ variables, this run trains \d+/,
    );
    other.dispose();
  });
});
