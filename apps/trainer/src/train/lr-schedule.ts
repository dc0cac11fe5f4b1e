import type { TrainingOptions } from "@tlab/core/experiment";
import { tf } from "../tf/backend";
import { ADAM_UPDATE_KERNEL, type AdamUpdateAttrs } from "../tf/wasm-kernels";

export type LrSchedule = TrainingOptions["lrSchedule"];

/**
 * The factor the learning rates are multiplied by during `epoch` (1-based) of an `epochs` budget.
 * Set once per epoch, from the share of the budget already done when the epoch starts, so it
 * depends on the budget only: a run that stops early followed the same curve until it stopped.
 *
 * - constant: 1.
 * - cosine:   0.5·(1 + cos(π·done/epochs)), 1 in the first epoch and falling towards 0 (never
 *             reaching it: the last epoch starts with one epoch left).
 * - step:     1, then ×0.1 once half the budget is done and ×0.1 again at three quarters.
 */
export function learningRateFactor(schedule: LrSchedule, epoch: number, epochs: number): number {
  if (!Number.isInteger(epoch) || epoch < 1 || epoch > epochs) {
    throw new RangeError(`epoch must be a whole number from 1 to ${epochs}, got ${epoch}`);
  }
  const done = (epoch - 1) / epochs;
  switch (schedule) {
    case "constant":
      return 1;
    case "cosine":
      return 0.5 * (1 + Math.cos(Math.PI * done));
    case "step":
      return done >= 0.75 ? 0.01 : done >= 0.5 ? 0.1 : 1;
  }
}

const BETA1 = 0.9;
const BETA2 = 0.999;

/**
 * Adam whose learning rate can change between steps. Moment estimates are kept across changes,
 * which is what a schedule wants (a new optimizer per epoch would restart Adam's bias correction).
 *
 * On the wasm backend each variable's update runs as one fused kernel (ADAM_UPDATE_KERNEL) instead
 * of tfjs's chain of element-wise kernels; the math is the same. The mode is fixed by the backend
 * active at the first update. Only applyGradients and dispose know about the fused state:
 * getWeights / setWeights (unused here) describe the unfused one.
 */
export class ScheduledAdam extends tf.AdamOptimizer {
  private fused: boolean | undefined;
  private readonly moments = new Map<string, { m: tf.Variable; v: tf.Variable }>();
  private steps = 0;

  constructor(private readonly baseLearningRate: number) {
    super(baseLearningRate, BETA1, BETA2);
  }

  /** True when updates run as the fused wasm kernel. */
  get isFused(): boolean {
    return this.fused === true;
  }

  override applyGradients(
    variableGradients: Parameters<tf.AdamOptimizer["applyGradients"]>[0],
  ): void {
    this.fused ??=
      tf.getBackend() === "wasm" && tf.getKernel(ADAM_UPDATE_KERNEL, "wasm") !== undefined;
    if (!this.fused) {
      super.applyGradients(variableGradients);
      return;
    }
    if (tf.getBackend() !== "wasm")
      throw new Error(`this optimizer started on wasm and cannot continue on ${tf.getBackend()}`);
    this.steps += 1;
    const attrs: AdamUpdateAttrs = {
      learningRate: this.learningRate,
      beta1: BETA1,
      beta2: BETA2,
      epsilon: this.epsilon,
      step: this.steps,
    };
    const pairs: Array<{ name: string; tensor: tf.Tensor | undefined }> = Array.isArray(
      variableGradients,
    )
      ? variableGradients
      : Object.entries(variableGradients).map(([name, tensor]) => ({ name, tensor }));
    for (const { name, tensor: gradient } of pairs) {
      if (gradient == null) continue;
      const variable = tf.engine().registeredVariables[name];
      if (variable === undefined)
        throw new Error(`no variable named "${name}" to apply a gradient to`);
      let state = this.moments.get(name);
      if (state === undefined) {
        const zeros = () => tf.tidy(() => tf.zerosLike(variable).variable(false));
        state = { m: zeros(), v: zeros() };
        this.moments.set(name, state);
      }
      const [x, m, v] = tf
        .engine()
        .runKernel(
          ADAM_UPDATE_KERNEL,
          { x: variable, g: gradient, m: state.m, v: state.v },
          attrs as unknown as tf.NamedAttrMap,
        ) as tf.Tensor[];
      variable.assign(x!);
      state.m.assign(m!);
      state.v.assign(v!);
      tf.dispose([x!, m!, v!]);
    }
    this.incrementIterations();
  }

  override dispose(): void {
    super.dispose();
    for (const { m, v } of this.moments.values()) tf.dispose([m, v]);
    this.moments.clear();
  }

  /** Sets the learning rate used from the next step on to base × factor. */
  scale(factor: number): void {
    this.learningRate = this.baseLearningRate * factor;
  }

  get currentLearningRate(): number {
    return this.learningRate;
  }
}
