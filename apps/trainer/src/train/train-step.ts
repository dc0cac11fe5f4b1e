import type { Augmentation } from "@tlab/core/experiment";
import { deriveSeed } from "../data/seeded-random";
import { tf } from "../tf/backend";
import { augmentBatch, type PixelLevels } from "./augment";
import { backendIsUsable } from "../tf/backend-recovery";
import { measurePeakBytes } from "../tf/peak-bytes";
import { BackendFailureError, engineMessage, formatBytes, isOutOfMemory } from "./backend-failure";
import { applyHead, headVariables, type Head } from "./head";
import { PeakTensorBytes } from "./peak-tensor-bytes";
import type { PreparedSet } from "./prepare-features";
import type { FrozenPart } from "./split-base";
import type { Optimizers, Phase } from "./training-phases";

/** The two halves of the base around the cut (either may be absent). */
export interface BaseParts {
  frozenPart: FrozenPart | null;
  trainablePart: tf.LayersModel | null;
}

export interface TrainingContext extends BaseParts {
  set: PreparedSet;
  head: Head;
  /** Applied to training batches of images; null when augmentation is off. */
  augmentation: { options: Augmentation; levels: PixelLevels } | null;
  headVars: tf.Variable[];
  baseVars: tf.Variable[];
  memory: PeakTensorBytes;
  /**
   * Images per forward/backward pass. A larger batch runs as several passes whose gradients are
   * summed before the one optimizer step, so the update is the batch's whatever the split. Lowered
   * (halved) when a pass runs out of memory anyway, and stays lowered for the rest of the run.
   */
  microBatch: number;
  /** Told when an out-of-memory failure made the loop lower the micro-batch. */
  onMicroBatchLowered?: (from: number, to: number, reason: string) => void;
}

export interface EpochInput {
  /** What the steps train, and how; a micro-batch lowered during the epoch stays lowered in it. */
  context: TrainingContext;
  /** 1-based, for error messages. */
  epoch: number;
  /** Order of the training examples this epoch. */
  order: Int32Array;
  batchSize: number;
  phase: Phase;
  optimizers: Optimizers;
  dropoutSeedFor: (batch: number) => number;
  augmentSeedFor: (batch: number) => number;
  throwIfAborted: () => void;
  afterBatch: (batch: number) => void;
  /** Measure the epoch's first step's tensor memory peak, backward pass included (first epoch of a phase). */
  profileFirstStep?: boolean;
}

/** Longest stretch of training steps between two yields to the event loop. */
const YIELD_EVERY_MS = 10;

/** One pass over the training set; returns its mean loss, accuracy and time spent in steps. */
export async function trainEpoch(
  input: EpochInput,
): Promise<{ loss: number; accuracy: number; stepMs: number }> {
  const { order, batchSize } = input;
  const { set } = input.context;
  let lossSum = 0;
  let correct = 0;
  let stepMs = 0;
  let lastYield = performance.now();
  const batches = Math.ceil(set.count / batchSize);
  for (let batch = 0; batch < batches; batch++) {
    input.throwIfAborted();
    const indices = order.subarray(batch * batchSize, Math.min(set.count, (batch + 1) * batchSize));
    const stepStarted = performance.now();
    let step: { loss: number; correct: number };
    if (batch === 0 && input.profileFirstStep) {
      const measured = measurePeakBytes(() =>
        trainStepOrLowerMicroBatch(input, indices, batch, batches),
      );
      input.context.memory.observe(measured.peakBytes);
      step = measured.result;
    } else {
      step = trainStepOrLowerMicroBatch(input, indices, batch, batches);
    }
    stepMs += performance.now() - stepStarted;
    lossSum += step.loss * indices.length;
    correct += step.correct;
    input.afterBatch(batch);
    // Lets timers and I/O run (heartbeats, the abort that cancels this run) between batches, but
    // not after every tiny one: a head-only step on cached features takes well under a
    // millisecond, and yielding after each would cost more than the step.
    if (performance.now() - lastYield >= YIELD_EVERY_MS) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      lastYield = performance.now();
    }
  }
  return { loss: lossSum / set.count, accuracy: correct / set.count, stepMs };
}

/**
 * One step; a pass that runs out of memory although the plan said it fits (kernels' scratch
 * memory is not in the estimate) is retried with half the micro-batch, which is safe because
 * nothing is applied before every pass of the batch is done. Any other failure, or one the
 * backend does not survive, becomes a reason that says where training was and what to do.
 */
function trainStepOrLowerMicroBatch(
  input: EpochInput,
  indices: Int32Array,
  batch: number,
  batches: number,
): { loss: number; correct: number } {
  const { context } = input;
  for (;;) {
    try {
      return trainStep(
        context,
        indices,
        { dropout: input.dropoutSeedFor(batch), augment: input.augmentSeedFor(batch) },
        input.phase,
        input.optimizers,
      );
    } catch (error) {
      const where = `in epoch ${input.epoch}, batch ${batch + 1} of ${batches}, on the ${tf.getBackend()} backend`;
      const outOfMemory = isOutOfMemory(error);
      const usable = backendIsUsable();
      if (outOfMemory && usable && context.microBatch > 1) {
        const lowered = Math.ceil(context.microBatch / 2);
        context.onMicroBatchLowered?.(
          context.microBatch,
          lowered,
          `out of memory ${where}: ${engineMessage(error)}`,
        );
        context.microBatch = lowered;
        continue;
      }
      if (outOfMemory) {
        throw new BackendFailureError(
          `training ran out of memory ${where} with ${context.microBatch} image${context.microBatch === 1 ? "" : "s"} per pass ` +
            `(peak tensor memory so far ${formatBytes(context.memory.sample())}): lower the batch size, train fewer layers, or use a base with a smaller input` +
            (usable ? "" : "; the worker restarts its backend before its next run"),
          !usable,
          { cause: error },
        );
      }
      // A kernel failing mid-step (a lost device, an internal error) surfaces from deep inside
      // tfjs; the run's failure reason must still say where training was and on which backend.
      throw new BackendFailureError(
        `training step failed ${where}: ${engineMessage(error)}`,
        !usable,
        { cause: error },
      );
    }
  }
}

/**
 * One gradient step on one batch, as one pass or as micro-batch passes whose gradients add up to
 * the batch's; returns the batch's mean loss and number of correct answers. Augmentation is drawn
 * for the whole batch before it is split, so a run sees the same images whatever its micro-batch.
 */
export function trainStep(
  context: TrainingContext,
  indices: Int32Array,
  seeds: { dropout: number; augment: number },
  phase: Phase,
  optimizers: Optimizers,
): { loss: number; correct: number } {
  const { headVars, baseVars } = context;
  const varList = trainedVariables(context, phase);
  const inputs = tf.tidy(() => batchInputs(context, indices, seeds.augment));
  let summed: tf.NamedTensorMap = {};
  let lossSum = 0;
  let correct = 0;
  try {
    const passes = Math.ceil(indices.length / context.microBatch);
    for (let pass = 0; pass < passes; pass++) {
      const start = pass * context.microBatch;
      const size = Math.min(context.microBatch, indices.length - start);
      const dropoutSeed = passes === 1 ? seeds.dropout : deriveSeed(seeds.dropout, pass);
      const result = tf.tidy(() => {
        const xs = passes === 1 ? inputs.xs : tf.slice(inputs.xs, start, size);
        const labels = passes === 1 ? inputs.labels : tf.slice(inputs.labels, start, size);
        const {
          loss,
          correct: passCorrect,
          grads,
        } = passGradients(context, phase, varList, xs, labels, dropoutSeed, indices.length);
        const next: tf.NamedTensorMap = {};
        for (const [name, grad] of Object.entries(grads))
          next[name] = summed[name] ? tf.add(summed[name]!, grad) : grad;
        context.memory.sample();
        return { next, loss, correct: passCorrect };
      });
      tf.dispose(summed);
      summed = result.next;
      lossSum += result.loss.dataSync()[0]!;
      correct += result.correct.dataSync()[0]!;
      tf.dispose([result.loss, result.correct]);
    }
    tf.tidy(() => {
      optimizers.head.applyGradients(gradientsFor(summed, headVars));
      if (optimizers.base) optimizers.base.applyGradients(gradientsFor(summed, baseVars));
    });
    return { loss: lossSum, correct };
  } finally {
    tf.dispose(summed);
    tf.dispose([inputs.xs, inputs.labels]);
  }
}

/**
 * Forward and backward pass over some of a batch's images: the loss is their share of the batch's
 * mean loss (sum over them / batch size), so the gradients of all passes add up to the batch's.
 */
function passGradients(
  context: TrainingContext,
  phase: Phase,
  varList: tf.Variable[],
  images: tf.Tensor,
  labels: tf.Tensor1D,
  dropoutSeed: number,
  batchSize: number,
): { loss: tf.Scalar; correct: tf.Scalar; grads: tf.NamedTensorMap } {
  const { set, head, frozenPart, trainablePart } = context;
  let xs = images;
  // Outside variableGrads: the frozen layers are not differentiated, and run in inference mode.
  if (set.stage === "images" && frozenPart) xs = frozenPart.predict(xs);
  let correct: tf.Scalar | undefined;
  const { value, grads } = tf.variableGrads(() => {
    const features = trainablePart
      ? (trainablePart.apply(xs, { training: phase.trainBase }) as tf.Tensor)
      : xs;
    const scores = applyHead(head, features, { dropoutSeed });
    // Kept: variableGrads disposes everything its function made except the loss.
    correct = tf.keep(countCorrect(scores, labels));
    return images.shape[0] === batchSize
      ? head.loss(scores, labels)
      : tf.div(head.lossSum(scores, labels), batchSize);
  }, varList);
  return { loss: value, correct: correct!, grads };
}

/** The batch's images (augmented) and labels; the frozen layers run per pass, on its slice. */
function batchInputs(
  context: TrainingContext,
  indices: Int32Array,
  augmentSeed: number,
): { xs: tf.Tensor; labels: tf.Tensor1D } {
  const { set, augmentation } = context;
  const batchIndices = tf.tensor1d(indices, "int32");
  let xs = tf.gather(set.xs, batchIndices);
  const labels = tf.gather(set.labels, batchIndices) as tf.Tensor1D;
  if (set.stage === "images" && augmentation)
    xs = augmentBatch(xs as tf.Tensor4D, augmentation.options, augmentSeed, augmentation.levels);
  return { xs, labels };
}

/**
 * A forward and backward pass over the first `images` training examples that changes nothing
 * (no optimizer step): what measureStepCost times to size the micro-batch.
 */
export function probePass(context: TrainingContext, phase: Phase, images: number): void {
  const varList = trainedVariables(context, phase);
  tf.tidy(() => {
    const indices = new Int32Array(Math.min(images, context.set.count)).map((_, i) => i);
    const inputs = batchInputs({ ...context, augmentation: null }, indices, 0);
    const { loss, correct, grads } = passGradients(
      context,
      phase,
      varList,
      inputs.xs,
      inputs.labels,
      0,
      indices.length,
    );
    tf.dispose([loss, correct, ...Object.values(grads)]);
  });
}

/** The variables a step of this phase updates: the head's, and the base's trainable layers' when the base trains. */
export function trainedVariables(
  context: Pick<TrainingContext, "headVars" | "baseVars">,
  phase: Phase,
): tf.Variable[] {
  return phase.trainBase ? [...context.headVars, ...context.baseVars] : context.headVars;
}

function gradientsFor(
  grads: tf.NamedTensorMap,
  variables: tf.Variable[],
): Array<{ name: string; tensor: tf.Tensor }> {
  return variables.flatMap((variable) => {
    const tensor = grads[variable.name];
    return tensor ? [{ name: variable.name, tensor }] : [];
  });
}

export function countCorrect(scores: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(
    () => tf.sum(tf.cast(tf.equal(tf.argMax(scores, 1), labels), "float32")) as tf.Scalar,
  );
}

/**
 * A context that fine-tunes a whole model (every trainable weight of `base` and the head) on
 * images held as one tensor, one pass per batch until a plan says otherwise: what the bench and
 * tests drive trainStep with outside trainRun.
 */
export function wholeModelContext(
  base: tf.LayersModel,
  head: Head,
  images: { xs: tf.Tensor; labels: tf.Tensor1D },
): TrainingContext {
  const count = images.xs.shape[0]!;
  return {
    set: { xs: images.xs, labels: images.labels, count, stage: "images" },
    head,
    frozenPart: null,
    trainablePart: base,
    augmentation: null,
    headVars: headVariables(head),
    baseVars: base.trainableWeights.map((w) => w.read() as tf.Variable),
    memory: new PeakTensorBytes(base),
    microBatch: count,
  };
}
