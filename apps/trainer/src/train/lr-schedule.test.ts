import { beforeAll, describe, expect, it } from "vitest";
import { initBackend, tf } from "../tf/backend";
import { learningRateFactor, ScheduledAdam } from "./lr-schedule";

beforeAll(async () => {
  await initBackend("wasm");
});

describe("learningRateFactor", () => {
  const curve = (schedule: "constant" | "cosine" | "step", epochs: number) =>
    Array.from({ length: epochs }, (_, i) => learningRateFactor(schedule, i + 1, epochs));

  it("constant keeps the learning rate", () => {
    expect(curve("constant", 5)).toEqual([1, 1, 1, 1, 1]);
  });

  it("cosine starts at 1 and falls along half a cosine over the budget, never reaching 0", () => {
    const values = curve("cosine", 4);
    expect(values[0]).toBe(1);
    expect(values[1]).toBeCloseTo(0.5 * (1 + Math.cos(Math.PI / 4)), 12);
    expect(values[2]).toBeCloseTo(0.5, 12);
    expect(values[3]).toBeCloseTo(0.5 * (1 + Math.cos((3 * Math.PI) / 4)), 12);
    expect(values.every((v, i) => i === 0 || v < values[i - 1]!)).toBe(true);
    expect(Math.min(...curve("cosine", 100))).toBeGreaterThan(0);
  });

  it("step divides by 10 once half the budget is done and again at three quarters", () => {
    expect(curve("step", 8)).toEqual([1, 1, 1, 1, 0.1, 0.1, 0.01, 0.01]);
    expect(curve("step", 10)).toEqual([1, 1, 1, 1, 1, 0.1, 0.1, 0.1, 0.01, 0.01]);
    expect(curve("step", 1)).toEqual([1]);
  });

  it("rejects an epoch outside the budget", () => {
    expect(() => learningRateFactor("cosine", 0, 5)).toThrow(RangeError);
    expect(() => learningRateFactor("cosine", 6, 5)).toThrow(/1 to 5/);
  });
});

describe("ScheduledAdam", () => {
  it("takes steps of the scaled size and keeps its moments across changes", () => {
    const variable = tf.variable(tf.scalar(0), true, "scheduled_adam_probe");
    const optimizer = new ScheduledAdam(0.1);
    const step = () => {
      const before = variable.dataSync()[0]!;
      optimizer.applyGradients([{ name: variable.name, tensor: tf.scalar(1) }]);
      return variable.dataSync()[0]! - before;
    };
    // Adam's first steps with a constant gradient move by about the learning rate.
    expect(step()).toBeCloseTo(-0.1, 5);
    optimizer.scale(0.1);
    expect(optimizer.currentLearningRate).toBeCloseTo(0.01, 12);
    expect(step()).toBeCloseTo(-0.01, 5);
    optimizer.dispose();
    variable.dispose();
  });
});

describe("ScheduledAdam's fused update on wasm", () => {
  /** Runs `steps` updates with varying gradients and learning rates; returns the final weights. */
  async function train(
    backend: "wasm" | "cpu",
    steps: number,
  ): Promise<{ weights: Float32Array; fused: boolean; kernelsPerStep: number }> {
    await tf.setBackend(backend);
    const initial = tf.tensor1d([0.5, -1, 2, 0, 3e-3]);
    const variable = tf.variable(initial, true, `fused_adam_probe_${backend}`);
    initial.dispose();
    const optimizer = new ScheduledAdam(0.05);
    let kernelsPerStep = 0;
    for (let step = 1; step <= steps; step++) {
      optimizer.scale(1 / step);
      const gradient = tf.tensor1d([1, -2, 0.5 * step, 0, -1e-3 * step]);
      const profile = await tf.profile(() =>
        optimizer.applyGradients([{ name: variable.name, tensor: gradient }]),
      );
      kernelsPerStep = profile.kernels.length;
      gradient.dispose();
    }
    const weights = variable.dataSync() as Float32Array;
    const fused = optimizer.isFused;
    optimizer.dispose();
    variable.dispose();
    return { weights: Float32Array.from(weights), fused, kernelsPerStep };
  }

  it("matches tfjs's own Adam (on cpu) and runs as one kernel per variable", async () => {
    await import("@tensorflow/tfjs-backend-cpu");
    const reference = await train("cpu", 6);
    const before = tf.memory().numTensors;
    const fused = await train("wasm", 6);
    expect(tf.memory().numTensors).toBe(before);
    expect(reference.fused).toBe(false);
    expect(fused.fused).toBe(true);
    expect(fused.kernelsPerStep).toBe(1);
    expect(reference.kernelsPerStep).toBeGreaterThan(10);
    fused.weights.forEach((w, i) => {
      expect(w).toBeCloseTo(reference.weights[i]!, 5);
    });
  });
});
