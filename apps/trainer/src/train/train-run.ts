import { planLayerFreeze } from "@tlab/core/layer-plan";
import { METRIC, type FinalMetrics, type MetricPoint, type RunSpec } from "@tlab/core/run";
import type { StrategyConfig } from "@tlab/core/strategy";
import { loadMnistSplit, MNIST_SIDE, type ImageSet } from "../data/mnist-digits";
import { deriveSeed, mulberry32, permutation } from "../data/seeded-random";
import { serializeModel } from "../model/model-files";
import { tf } from "../tf/backend";
import { accuracyOf, confusionMatrix, perClassMetrics } from "./classification-metrics";
import { applyHead, attachHead, buildHead, disposeHead, headParamCount, headVariables, type Head } from "./head";
import { splitBase, TrainingSpecError, type BaseSplit } from "./split-base";

export { TrainingSpecError };

export interface TrainRunDeps {
  /**
   * The pretrained base, loaded fresh for this run. partial and full update its weights in place
   * (the returned artifacts are the trained copy to keep); frozen leaves them untouched.
   */
  baseModel: tf.LayersModel;
  /** Checked between batches; when aborted the run stops and throws RunAbortedError. */
  signal?: AbortSignal;
  /** Called after every epoch with that epoch's points; awaited before the next epoch starts. */
  onEpoch?: (epoch: number, points: MetricPoint[]) => void | Promise<void>;
  /** Fraction of training batches done, 0..1, after every batch. */
  onProgress?: (fraction: number) => void;
  /** Runs always start from epoch 1; a retried run trains again from scratch. */
  resumeEpoch?: never;
}

export interface TrainRunResult {
  metrics: FinalMetrics;
  /** The trained model (base + head) as one LayersModel, with the best epoch's weights. */
  artifacts: tf.io.ModelArtifacts;
}

/** Thrown when the run's AbortSignal fires. Named "AbortError" like DOM/fetch aborts. */
export class RunAbortedError extends Error {
  constructor(reason: unknown) {
    super(`training aborted${reason instanceof Error ? `: ${reason.message}` : ""}`, { cause: reason });
    this.name = "AbortError";
  }
}

/** One stretch of epochs with a fixed set of trainable weights; each gets fresh optimizers. */
interface Phase {
  epochs: number;
  /** Whether the base's trainable layers update (false: the head alone, e.g. during warmup). */
  trainBase: boolean;
}

/** A data split ready for training: inputs to the trainable part (cached features or images). */
interface PreparedSet {
  xs: tf.Tensor;
  labels: tf.Tensor1D;
  count: number;
}

interface Evaluation {
  loss: number;
  accuracy: number;
  predictions: Int32Array;
}

const EVAL_BATCH = 512;

/**
 * Trains one run: the base model with a new head on the run's dataset, following its strategy.
 *
 * Which base layers train is decided by name (planLayerFreeze on spec.baseModel.layers). Layers
 * that never train run once per data split in inference mode and their output is cached, so
 * frozen and partial runs pay for the frozen layers once instead of every epoch, and frozen
 * layers can never drift (BatchNormalization statistics included). The trainable part and the
 * head train with a custom loop: two Adam optimizers give the base its own, lower learning rate.
 *
 * Deterministic for a seed on a given backend: data split, head initialisation, batch order and
 * dropout masks all derive from spec.seed. The weights of the epoch with the best validation
 * accuracy are restored at the end; the test set is evaluated once, after that.
 */
export async function trainRun(spec: RunSpec, deps: TrainRunDeps): Promise<TrainRunResult> {
  const started = performance.now();
  const memory = new PeakRss();
  const { baseModel: base, signal } = deps;
  throwIfAborted(signal);
  validateSpec(spec, base);
  const plan = planLayerFreeze(spec.baseModel.layers, spec.strategy);
  const { classes } = spec.dataset.spec;
  const split = loadMnistSplit({
    classes,
    trainPerClass: spec.trainPerClass,
    validationFraction: spec.validationFraction,
    testPerClass: spec.testPerClass,
    seed: spec.seed,
  });
  const classNames = spec.dataset.classNames.length === classes.length ? spec.dataset.classNames : split.classNames;
  memory.sample();
  // Last step before the try: from here on the base carries changes that `finally` must undo.
  const parts = splitBase(base, plan);

  const originalTrainable = base.layers.map((layer) => layer.trainable);
  const trainableNames = new Set(parts.trainableLayers.map((layer) => layer.name));
  const head = buildHead(spec.strategy.head, classes.length, spec.seed);
  const prepared: PreparedSet[] = [];
  let best: WeightSnapshot | undefined;
  try {
    // Marks what the saved model reports as trainable; the loop itself trains exactly the
    // variables it passes to variableGrads.
    for (const layer of base.layers) layer.trainable = trainableNames.has(layer.name);
    const model = tf.model({
      name: `transfer_${spec.strategy.kind}`,
      inputs: base.inputs,
      outputs: attachHead(head, base.outputs[0]!),
    });
    const prepare = (set: ImageSet) => {
      const p = prepareSet(set, parts.frozenPart);
      prepared.push(p);
      return p;
    };
    const train = prepare(split.train);
    const val = split.val.count > 0 ? prepare(split.val) : undefined;
    const test = prepare(split.test);
    memory.sample();

    const headVars = headVariables(head);
    const baseVars = parts.trainableLayers.flatMap((layer) => layer.trainableWeights.map((w) => w.read() as tf.Variable));
    const phases = phasesFor(spec.strategy, spec.epochs);
    const batchesPerEpoch = Math.ceil(train.count / spec.batchSize);
    const totalBatches = batchesPerEpoch * spec.epochs;
    let epoch = 0;
    let bestScore = { epoch: 0, accuracy: -1, loss: Number.POSITIVE_INFINITY };
    let stepMs = 0;
    let imagesTrained = 0;

    for (const phase of phases) {
      const optimizers = createOptimizers(spec.strategy, phase);
      try {
        for (let i = 0; i < phase.epochs; i++) {
          epoch += 1;
          const epochStarted = performance.now();
          const trained = await trainEpoch({
            set: train,
            order: permutation(train.count, mulberry32(deriveSeed(spec.seed, 11, epoch))),
            batchSize: spec.batchSize,
            head,
            trainablePart: parts.trainablePart,
            phase,
            headVars,
            baseVars,
            optimizers,
            dropoutSeedFor: (batch) => deriveSeed(spec.seed, 12, epoch, batch),
            signal,
            afterBatch: (batch) => {
              memory.sample();
              deps.onProgress?.(((epoch - 1) * batchesPerEpoch + batch + 1) / totalBatches);
            },
          });
          stepMs += trained.stepMs;
          imagesTrained += train.count;
          if (!Number.isFinite(trained.loss)) {
            throw new Error(
              `training diverged: the training loss is ${trained.loss} in epoch ${epoch}; lower the learning rate (head ${spec.strategy.learningRate})`,
            );
          }
          const points: MetricPoint[] = [
            { name: METRIC.trainLoss, step: epoch, value: trained.loss },
            { name: METRIC.trainAccuracy, step: epoch, value: trained.accuracy },
          ];
          if (val) {
            const validation = evaluate(val, parts.trainablePart, head);
            points.push(
              { name: METRIC.valLoss, step: epoch, value: validation.loss },
              { name: METRIC.valAccuracy, step: epoch, value: validation.accuracy },
            );
            // Ties on accuracy go to the lower validation loss; otherwise later epochs must be
            // strictly better, so the earliest of equally good epochs wins.
            if (
              validation.accuracy > bestScore.accuracy ||
              (validation.accuracy === bestScore.accuracy && validation.loss < bestScore.loss)
            ) {
              bestScore = { epoch, accuracy: validation.accuracy, loss: validation.loss };
              best?.dispose();
              best = new WeightSnapshot([...headVars, ...baseVars]);
            }
          } else {
            // Nothing to select on: the last epoch is the result, and no snapshot is needed.
            bestScore = { epoch, accuracy: 0, loss: 0 };
          }
          points.push({ name: METRIC.epochSeconds, step: epoch, value: (performance.now() - epochStarted) / 1000 });
          memory.sample();
          await deps.onEpoch?.(epoch, points);
        }
      } finally {
        optimizers.head.dispose();
        optimizers.base?.dispose();
      }
    }

    // An abort that arrived while onEpoch ran must not turn into a completed run.
    throwIfAborted(signal);
    if (best !== undefined && bestScore.epoch !== epoch) best.restore();
    const result = evaluate(test, parts.trainablePart, head);
    const labels = split.test.labels;
    const matrix = confusionMatrix(labels, result.predictions, classes.length);
    const artifacts = await serializeModel(model);
    const headParams = headParamCount(head);
    const metrics: FinalMetrics = {
      testAccuracy: accuracyOf(matrix),
      testLoss: result.loss,
      confusionMatrix: matrix,
      classNames,
      perClass: perClassMetrics(matrix, classNames),
      bestEpoch: bestScore.epoch,
      epochsRun: epoch,
      trainableParams: headParams + parts.trainableLayers.reduce((n, layer) => n + layer.countParams(), 0),
      totalParams: headParams + base.countParams(),
      wallTimeMs: performance.now() - started,
      // Throughput of the training steps alone. Frozen and partial steps start from cached
      // features, which is exactly the speed-up those strategies buy.
      trainImagesPerSec: stepMs > 0 ? imagesTrained / (stepMs / 1000) : 0,
      peakMemoryBytes: memory.sample(),
    };
    return { metrics, artifacts };
  } finally {
    best?.dispose();
    for (const set of prepared) tf.dispose([set.xs, set.labels]);
    disposeHead(head);
    parts.release();
    base.layers.forEach((layer, i) => {
      layer.trainable = originalTrainable[i]!;
    });
  }
}

function phasesFor(strategy: StrategyConfig, epochs: number): Phase[] {
  switch (strategy.kind) {
    case "frozen":
      return [{ epochs, trainBase: false }];
    case "full":
      return [{ epochs, trainBase: true }];
    case "partial": {
      // Warmup counts inside the epoch budget: a head-only start so the fresh head's large early
      // gradients do not wreck the pretrained filters it sits on.
      const warmup = Math.min(strategy.warmupEpochs, epochs);
      return [
        { epochs: warmup, trainBase: false },
        { epochs: epochs - warmup, trainBase: true },
      ].filter((phase) => phase.epochs > 0);
    }
  }
}

interface Optimizers {
  head: tf.Optimizer;
  base: tf.Optimizer | null;
}

/**
 * Fresh optimizers per phase: Adam keeps its moment estimates per variable, and a phase that
 * changes which variables train must not inherit moments from the previous one.
 */
function createOptimizers(strategy: StrategyConfig, phase: Phase): Optimizers {
  const head = tf.train.adam(strategy.learningRate);
  const base = phase.trainBase && strategy.kind !== "frozen" ? tf.train.adam(strategy.baseLearningRate) : null;
  return { head, base };
}

interface TrainingContext {
  set: PreparedSet;
  head: Head;
  trainablePart: tf.LayersModel | null;
  phase: Phase;
  headVars: tf.Variable[];
  baseVars: tf.Variable[];
  optimizers: Optimizers;
}

interface EpochInput extends TrainingContext {
  /** Order of the training examples this epoch. */
  order: Int32Array;
  batchSize: number;
  dropoutSeedFor: (batch: number) => number;
  signal: AbortSignal | undefined;
  afterBatch: (batch: number) => void;
}

/** One pass over the training set; returns its mean loss, accuracy and time spent in steps. */
async function trainEpoch(input: EpochInput): Promise<{ loss: number; accuracy: number; stepMs: number }> {
  const { set, order, batchSize } = input;
  let lossSum = 0;
  let correct = 0;
  let stepMs = 0;
  for (let batch = 0; batch * batchSize < set.count; batch++) {
    throwIfAborted(input.signal);
    const indices = order.subarray(batch * batchSize, Math.min(set.count, (batch + 1) * batchSize));
    const stepStarted = performance.now();
    const step = trainStep(input, indices, input.dropoutSeedFor(batch));
    stepMs += performance.now() - stepStarted;
    lossSum += step.loss * indices.length;
    correct += step.correct;
    input.afterBatch(batch);
    // Lets timers and I/O run (heartbeats, the abort that cancels this run) between batches.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return { loss: lossSum / set.count, accuracy: correct / set.count, stepMs };
}

/** One gradient step on one batch; returns the batch's mean loss and number of correct answers. */
function trainStep(context: TrainingContext, indices: Int32Array, dropoutSeed: number): { loss: number; correct: number } {
  const { set, head, trainablePart, phase, headVars, baseVars, optimizers } = context;
  return tf.tidy(() => {
    const batchIndices = tf.tensor1d(indices, "int32");
    const xs = tf.gather(set.xs, batchIndices);
    const labels = tf.gather(set.labels, batchIndices);
    let correct: tf.Scalar | undefined;
    const varList = phase.trainBase ? [...headVars, ...baseVars] : headVars;
    const { value, grads } = tf.variableGrads(() => {
      const features = trainablePart ? (trainablePart.apply(xs, { training: phase.trainBase }) as tf.Tensor) : xs;
      const scores = applyHead(head, features, { dropoutSeed });
      correct = tf.keep(countCorrect(scores, labels));
      return head.loss(scores, labels);
    }, varList);
    optimizers.head.applyGradients(gradientsFor(grads, headVars));
    if (optimizers.base) optimizers.base.applyGradients(gradientsFor(grads, baseVars));
    const result = { loss: value.dataSync()[0]!, correct: correct!.dataSync()[0]! };
    correct!.dispose();
    return result;
  });
}

function gradientsFor(grads: tf.NamedTensorMap, variables: tf.Variable[]): tf.NamedTensorMap {
  const picked: tf.NamedTensorMap = {};
  for (const variable of variables) {
    const grad = grads[variable.name];
    if (grad) picked[variable.name] = grad;
  }
  return picked;
}

function countCorrect(scores: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => tf.sum(tf.cast(tf.equal(tf.argMax(scores, 1), labels), "float32")) as tf.Scalar);
}

/** Loss, accuracy and predictions over a whole set, in inference mode, in fixed-size chunks. */
function evaluate(set: PreparedSet, trainablePart: tf.LayersModel | null, head: Head): Evaluation {
  const predictions = new Int32Array(set.count);
  let lossSum = 0;
  let correct = 0;
  for (let start = 0; start < set.count; start += EVAL_BATCH) {
    const size = Math.min(EVAL_BATCH, set.count - start);
    const chunk = tf.tidy(() => {
      const xs = tf.slice(set.xs, start, size);
      const labels = tf.slice(set.labels, start, size);
      const features = trainablePart ? (trainablePart.apply(xs, { training: false }) as tf.Tensor) : xs;
      const scores = applyHead(head, features, false);
      return {
        loss: head.lossSum(scores, labels).dataSync()[0]!,
        correct: countCorrect(scores, labels).dataSync()[0]!,
        predicted: tf.argMax(scores, 1).dataSync() as Int32Array,
      };
    });
    predictions.set(chunk.predicted, start);
    lossSum += chunk.loss;
    correct += chunk.correct;
  }
  return { loss: lossSum / set.count, accuracy: correct / set.count, predictions };
}

/**
 * Images as a tensor, pushed through the frozen part of the base (inference mode, once) when
 * there is one: every later epoch reads these cached features instead of recomputing them.
 */
function prepareSet(set: ImageSet, frozenPart: BaseSplit["frozenPart"]): PreparedSet {
  return tf.tidy(() => {
    const images = tf.tensor4d(set.xs, [set.count, MNIST_SIDE, MNIST_SIDE, 1]);
    const xs = frozenPart ? (frozenPart.predict(images, { batchSize: EVAL_BATCH }) as tf.Tensor) : images;
    return { xs, labels: tf.tensor1d(set.labels, "int32"), count: set.count };
  });
}

/** Copies of variable values, to put back the best epoch's weights at the end. */
class WeightSnapshot {
  private readonly saved: Array<[tf.Variable, tf.Tensor]>;

  constructor(variables: tf.Variable[]) {
    this.saved = variables.map((variable) => [variable, tf.clone(variable)]);
  }

  restore(): void {
    for (const [variable, value] of this.saved) variable.assign(value);
  }

  dispose(): void {
    for (const [, value] of this.saved) value.dispose();
  }
}

/** Peak resident set size seen so far: sampled often, since tfjs allocations come and go. */
class PeakRss {
  private peak = 0;

  sample(): number {
    this.peak = Math.max(this.peak, process.memoryUsage.rss());
    return this.peak;
  }
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new RunAbortedError(signal.reason);
}

function validateSpec(spec: RunSpec, base: tf.LayersModel): void {
  if (!Number.isInteger(spec.epochs) || spec.epochs < 1) throw new TrainingSpecError(`epochs must be a positive integer, got ${spec.epochs}`);
  if (!Number.isInteger(spec.batchSize) || spec.batchSize < 1) {
    throw new TrainingSpecError(`batchSize must be a positive integer, got ${spec.batchSize}`);
  }
  if (spec.dataset.spec.source !== "mnist") {
    throw new TrainingSpecError(`dataset source "${String(spec.dataset.spec.source)}" is not supported; supported: mnist`);
  }
  const mnistShape = [MNIST_SIDE, MNIST_SIDE, 1];
  const modelShape = base.inputs[0]?.shape.slice(1) ?? [];
  if (base.inputs.length !== 1 || modelShape.join() !== mnistShape.join()) {
    throw new TrainingSpecError(
      `the base model takes input [${modelShape.join(", ")}] but MNIST images are [${mnistShape.join(", ")}]`,
    );
  }
  if (spec.baseModel.inputShape.join() !== modelShape.join()) {
    throw new TrainingSpecError(
      `spec.baseModel.inputShape [${spec.baseModel.inputShape.join(", ")}] does not match the loaded model's input [${modelShape.join(", ")}]`,
    );
  }
}
