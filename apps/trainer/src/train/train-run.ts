import { assignVariables, readVariables, type TrainingCheckpoint } from "./training-checkpoint";
import type { Augmentation } from "@tlab/core/experiment";
import { preprocessingOf } from "@tlab/core/layers-model-json";
import { planLayerFreeze } from "@tlab/core/layer-plan";
import { LEARNING_RATE_METRIC, METRIC, type FinalMetrics, type MetricPoint, type RunSpec } from "@tlab/core/run";
import type { StrategyConfig } from "@tlab/core/strategy";
import { loadDatasetSplit } from "../data/load-dataset-split";
import type { ImageSet } from "../data/mnist-digits";
import { deriveSeed, mulberry32, permutation } from "../data/seeded-random";
import { modelHash } from "../model/model-hash";
import { serializeModel } from "../model/model-files";
import { tf } from "../tf/backend";
import { augmentBatch, isAugmenting, pixelLevels, type PixelLevels } from "./augment";
import { accuracyOf, confusionMatrix, perClassMetrics } from "@tlab/core/classification-metrics";
import { DEFAULT_FEATURE_CACHE_MAX_BYTES, FeatureCache } from "./feature-cache";
import { applyHead, attachHead, buildHead, disposeHead, headParamCount, headVariables, type Head } from "./head";
import { learningRateFactor, ScheduledAdam } from "./lr-schedule";
import { prepareSplit, type FeatureEvent, type PreparedSet, type SplitName } from "./prepare-features";
import { splitBase, TrainingSpecError, type FrozenPart } from "./split-base";

export { TrainingSpecError };
export type { TrainingCheckpoint };
export type { FeatureEvent };


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
  /** Continue a run from this checkpoint (its epochs are not trained or reported again). */
  resume?: TrainingCheckpoint;
  /** Called after every epoch's onEpoch with the state to resume from; awaited. */
  onCheckpoint?: (checkpoint: TrainingCheckpoint) => void | Promise<void>;
  /**
   * Directory of the on-disk feature cache (the worker passes TLAB_CACHE_DIR/features). When set,
   * features of frozen layers are read from it if present and written to it otherwise; when
   * unset, they are computed for this run only.
   */
  cacheDir?: string;
  /** Size cap of that cache, least recently used entries evicted beyond it. Default 2 GiB. */
  cacheMaxBytes?: number;
  /** Reports, per data split, where its features came from and what they cost. */
  onFeatures?: (event: FeatureEvent) => void;
  /** The packed file of an uploaded dataset (the worker downloads and verifies it); unused for built-in MNIST. */
  datasetFile?: string;
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

interface Evaluation {
  loss: number;
  accuracy: number;
  predictions: Int32Array;
}

const EVAL_BATCH = 512;
/** Longest stretch of training steps between two yields to the event loop. */
const YIELD_EVERY_MS = 10;

/**
 * Trains one run: the base model with a new head on the run's dataset, following its strategy.
 *
 * Which base layers train is decided by name (planLayerFreeze on spec.baseModel.layers). Layers
 * that never train run in inference mode (BatchNormalization statistics never move) and, when
 * the inputs are not augmented, only once per data split: their output is cached in memory for
 * this run and, with deps.cacheDir, on disk for the next run with the same base, data and cut. So
 * frozen and partial runs pay for the frozen layers once instead of every epoch. With augmentation
 * the training images differ every batch, so the frozen layers run on each training batch (still
 * in inference mode) while validation and test features stay cached. The trainable part and the
 * head train with a custom loop: two Adam optimizers give the base its own, lower learning rate.
 *
 * spec.training applies to every strategy alike: augmentation of training batches only; one
 * learning-rate schedule over the epoch budget (both learning rates follow it); early stopping
 * after `earlyStoppingPatience` epochs without a better validation accuracy.
 *
 * Deterministic for a seed on a given backend: data split, head initialisation, batch order,
 * augmentation and dropout masks all derive from spec.seed. The weights of the epoch with the best
 * validation accuracy are restored at the end; the test set is evaluated once, after that.
 */
export async function trainRun(spec: RunSpec, deps: TrainRunDeps): Promise<TrainRunResult> {
  const started = performance.now();
  const { baseModel: base, signal } = deps;
  const memory = new PeakTensorBytes(base);
  throwIfAborted(signal);
  validateSpec(spec, base);
  const plan = planLayerFreeze(spec.baseModel.layers, spec.strategy);
  const splitOptions = {
    trainPerClass: spec.trainPerClass,
    validationFraction: spec.validationFraction,
    testPerClass: spec.testPerClass,
    seed: spec.seed,
  };
  // Converted to the base's input (size, channels, value range); class names in label order.
  const split = await loadDatasetSplit(spec, { baseModel: base, datasetFile: deps.datasetFile });
  const classes = split.classNames;
  const classNames = spec.dataset.classNames.length === classes.length ? spec.dataset.classNames : split.classNames;
  const { augmentation, earlyStoppingPatience, lrSchedule } = spec.training;
  const augmenting = isAugmenting(augmentation);
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
    const cache =
      deps.cacheDir !== undefined && parts.frozenPart !== null
        ? new FeatureCache({ dir: deps.cacheDir, maxBytes: deps.cacheMaxBytes ?? DEFAULT_FEATURE_CACHE_MAX_BYTES })
        : undefined;
    const featureSource = {
      frozenPart: parts.frozenPart,
      cutLayer: plan.frozenThrough,
      inputShape: split.inputShape,
      preprocessing: split.preprocessing,
      datasetSpec: { ...spec.dataset.spec, ...splitOptions },
      // Hashed before any training step: partial and full change the base's weights in place.
      ...(cache ? { cache, baseModelSha256: modelHash(base) } : {}),
      ...(deps.onFeatures ? { onFeatures: deps.onFeatures } : {}),
    };
    const prepare = async (name: SplitName, set: ImageSet) => {
      const p = await prepareSplit(name, set, featureSource, { perBatch: augmenting && name === "train" });
      prepared.push(p);
      return p;
    };
    const train = await prepare("train", split.train);
    const val = split.val.count > 0 ? await prepare("val", split.val) : undefined;
    const test = await prepare("test", split.test);
    memory.sample();

    const headVars = headVariables(head);
    const baseVars = parts.trainableLayers.flatMap((layer) => layer.trainableWeights.map((w) => w.read() as tf.Variable));
    const phases = phasesFor(spec.strategy, spec.epochs);
    const batchesPerEpoch = Math.ceil(train.count / spec.batchSize);
    const totalBatches = batchesPerEpoch * spec.epochs;
    let epoch = 0;
    let bestScore = { epoch: 0, accuracy: -1, loss: Number.POSITIVE_INFINITY };
    // Early stopping watches validation accuracy alone: epochs whose accuracy only ties the best
    // (however much lower their loss) do not reset the patience.
    let lastAccuracyGain = { epoch: 0, accuracy: -1 };
    let stepMs = 0;
    let imagesTrained = 0;
    let stoppedEarly = false;
    const trainingVars = [...headVars, ...baseVars];
    const resumeEpoch = deps.resume?.epoch ?? 0;
    if (deps.resume) {
      if (resumeEpoch >= spec.epochs) throw new TrainingSpecError(`checkpoint is at epoch ${resumeEpoch}, the run has only ${spec.epochs}`);
      // Epochs up to the checkpoint are skipped below; their randomness is derived per epoch from
      // the seed, so the remaining epochs see the same batches as an uninterrupted run.
      if (deps.resume.best) {
        assignVariables(trainingVars, deps.resume.best);
        best = new WeightSnapshot(trainingVars);
      }
      assignVariables(trainingVars, deps.resume.current);
      bestScore = deps.resume.bestScore;
      lastAccuracyGain = deps.resume.lastAccuracyGain;
      stepMs = deps.resume.stepMs;
      imagesTrained = deps.resume.imagesTrained;
    }

    phases: for (const [phaseIndex, phase] of phases.entries()) {
      const phaseStart = epoch + 1;
      if (epoch + phase.epochs <= resumeEpoch) {
        epoch += phase.epochs; // finished before the checkpoint
        continue;
      }
      const optimizers = createOptimizers(spec.strategy, phase);
      try {
        for (let i = 0; i < phase.epochs; i++) {
          epoch += 1;
          if (epoch <= resumeEpoch) continue;
          const epochStarted = performance.now();
          const factor = learningRateFactor(lrSchedule, epoch, spec.epochs);
          optimizers.head.scale(factor);
          optimizers.base?.scale(factor);
          const trained = await trainEpoch({
            epoch,
            set: train,
            order: permutation(train.count, mulberry32(deriveSeed(spec.seed, 11, epoch))),
            batchSize: spec.batchSize,
            head,
            frozenPart: parts.frozenPart,
            trainablePart: parts.trainablePart,
            // Black and white in the model's input space, so fills and brightness clipping follow
            // the base's preprocessing (range, per-channel normalization).
            augmentation: augmenting
              ? { options: augmentation, levels: pixelLevels(preprocessingOf(base.getUserDefinedMetadata()), split.inputShape[2]) }
              : null,
            phase,
            headVars,
            baseVars,
            optimizers,
            dropoutSeedFor: (batch) => deriveSeed(spec.seed, 12, epoch, batch),
            augmentSeedFor: (batch) => deriveSeed(spec.seed, 14, epoch, batch),
            signal,
            memory,
            afterBatch: (batch) => {
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
            { name: LEARNING_RATE_METRIC, step: epoch, value: optimizers.head.currentLearningRate },
          ];
          if (val) {
            const validation = evaluate(val, parts, head, memory);
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
            if (validation.accuracy > lastAccuracyGain.accuracy) lastAccuracyGain = { epoch, accuracy: validation.accuracy };
          } else {
            // Nothing to select on: the last epoch is the result, and no snapshot is needed.
            bestScore = { epoch, accuracy: 0, loss: 0 };
          }
          points.push({ name: METRIC.epochSeconds, step: epoch, value: (performance.now() - epochStarted) / 1000 });
          memory.sample();
          await deps.onEpoch?.(epoch, points);
          if (deps.onCheckpoint) {
            await deps.onCheckpoint({
              epoch,
              bestScore,
              lastAccuracyGain,
              stepMs,
              imagesTrained,
              current: readVariables(trainingVars),
              best: best ? best.values() : null,
            });
          }
          // Patience counts only in the last phase: a plateau during the head-only warmup must
          // not end the run before the base is unfrozen.
          const lastPhase = phaseIndex === phases.length - 1;
          const stalledSince = Math.max(lastAccuracyGain.epoch, phaseStart - 1);
          if (val && earlyStoppingPatience > 0 && lastPhase && epoch < spec.epochs && epoch - stalledSince >= earlyStoppingPatience) {
            stoppedEarly = true;
            break phases;
          }
        }
      } finally {
        optimizers.head.dispose();
        optimizers.base?.dispose();
      }
    }

    // An abort that arrived while onEpoch ran must not turn into a completed run.
    throwIfAborted(signal);
    if (stoppedEarly) deps.onProgress?.(1);
    if (best !== undefined && bestScore.epoch !== epoch) best.restore();
    const result = evaluate(test, parts, head, memory);
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
      // features (unless augmentation makes them run the frozen layers per batch), which is
      // exactly the speed-up those strategies buy.
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
  head: ScheduledAdam;
  base: ScheduledAdam | null;
}

/**
 * Fresh optimizers per phase: Adam keeps its moment estimates per variable, and a phase that
 * changes which variables train must not inherit moments from the previous one.
 */
function createOptimizers(strategy: StrategyConfig, phase: Phase): Optimizers {
  const head = new ScheduledAdam(strategy.learningRate);
  const base = phase.trainBase && strategy.kind !== "frozen" ? new ScheduledAdam(strategy.baseLearningRate) : null;
  return { head, base };
}

/** The two halves of the base around the cut (either may be absent). */
interface BaseParts {
  frozenPart: FrozenPart | null;
  trainablePart: tf.LayersModel | null;
}

interface TrainingContext extends BaseParts {
  set: PreparedSet;
  head: Head;
  /** Applied to training batches of images; null when augmentation is off. */
  augmentation: { options: Augmentation; levels: PixelLevels } | null;
  phase: Phase;
  headVars: tf.Variable[];
  baseVars: tf.Variable[];
  optimizers: Optimizers;
  memory: PeakTensorBytes;
}

interface EpochInput extends TrainingContext {
  /** 1-based, for error messages. */
  epoch: number;
  /** Order of the training examples this epoch. */
  order: Int32Array;
  batchSize: number;
  dropoutSeedFor: (batch: number) => number;
  augmentSeedFor: (batch: number) => number;
  signal: AbortSignal | undefined;
  afterBatch: (batch: number) => void;
}

/** One pass over the training set; returns its mean loss, accuracy and time spent in steps. */
async function trainEpoch(input: EpochInput): Promise<{ loss: number; accuracy: number; stepMs: number }> {
  const { set, order, batchSize } = input;
  let lossSum = 0;
  let correct = 0;
  let stepMs = 0;
  let lastYield = performance.now();
  for (let batch = 0; batch * batchSize < set.count; batch++) {
    throwIfAborted(input.signal);
    const indices = order.subarray(batch * batchSize, Math.min(set.count, (batch + 1) * batchSize));
    const stepStarted = performance.now();
    let step: { loss: number; correct: number };
    try {
      step = trainStep(input, indices, { dropout: input.dropoutSeedFor(batch), augment: input.augmentSeedFor(batch) });
    } catch (error) {
      // A kernel failing mid-step (out of memory, a lost device) surfaces from deep inside tfjs;
      // the run's failure reason must still say where training was and on which backend.
      const batches = Math.ceil(set.count / batchSize);
      throw new Error(
        `training step failed in epoch ${input.epoch}, batch ${batch + 1} of ${batches}, on the ${tf.getBackend()} backend: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
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

/** One gradient step on one batch; returns the batch's mean loss and number of correct answers. */
function trainStep(context: TrainingContext, indices: Int32Array, seeds: { dropout: number; augment: number }): { loss: number; correct: number } {
  const { set, head, frozenPart, trainablePart, augmentation, phase, headVars, baseVars, optimizers, memory } = context;
  return tf.tidy(() => {
    const batchIndices = tf.tensor1d(indices, "int32");
    let xs = tf.gather(set.xs, batchIndices);
    const labels = tf.gather(set.labels, batchIndices);
    if (set.stage === "images") {
      if (augmentation) xs = augmentBatch(xs as tf.Tensor4D, augmentation.options, seeds.augment, augmentation.levels);
      // Outside variableGrads: the frozen layers are not differentiated, and run in inference mode.
      if (frozenPart) xs = frozenPart.predict(xs);
    }
    let correct: tf.Scalar | undefined;
    const varList = phase.trainBase ? [...headVars, ...baseVars] : headVars;
    const { value, grads } = tf.variableGrads(() => {
      const features = trainablePart ? (trainablePart.apply(xs, { training: phase.trainBase }) as tf.Tensor) : xs;
      const scores = applyHead(head, features, { dropoutSeed: seeds.dropout });
      correct = tf.keep(countCorrect(scores, labels));
      return head.loss(scores, labels);
    }, varList);
    optimizers.head.applyGradients(gradientsFor(grads, headVars));
    if (optimizers.base) optimizers.base.applyGradients(gradientsFor(grads, baseVars));
    const result = { loss: value.dataSync()[0]!, correct: correct!.dataSync()[0]! };
    // Inside the tidy: the step's activations, gradients and Adam updates are all still alive.
    memory.sample();
    correct!.dispose();
    return result;
  });
}

function gradientsFor(grads: tf.NamedTensorMap, variables: tf.Variable[]): Array<{ name: string; tensor: tf.Tensor }> {
  return variables.flatMap((variable) => {
    const tensor = grads[variable.name];
    return tensor ? [{ name: variable.name, tensor }] : [];
  });
}

function countCorrect(scores: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => tf.sum(tf.cast(tf.equal(tf.argMax(scores, 1), labels), "float32")) as tf.Scalar);
}

/** Loss, accuracy and predictions over a whole set, in inference mode, in fixed-size chunks. */
function evaluate(set: PreparedSet, parts: BaseParts, head: Head, memory: PeakTensorBytes): Evaluation {
  const predictions = new Int32Array(set.count);
  let lossSum = 0;
  let correct = 0;
  for (let start = 0; start < set.count; start += EVAL_BATCH) {
    const size = Math.min(EVAL_BATCH, set.count - start);
    const chunk = tf.tidy(() => {
      let xs = tf.slice(set.xs, start, size);
      const labels = tf.slice(set.labels, start, size);
      if (set.stage === "images" && parts.frozenPart) xs = parts.frozenPart.predict(xs);
      const features = parts.trainablePart ? (parts.trainablePart.apply(xs, { training: false }) as tf.Tensor) : xs;
      const scores = applyHead(head, features, false);
      memory.sample();
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

/** Copies of variable values, to put back the best epoch's weights at the end. */
class WeightSnapshot {
  private readonly saved: Array<[tf.Variable, tf.Tensor]>;

  constructor(variables: tf.Variable[]) {
    this.saved = variables.map((variable) => [variable, tf.clone(variable)]);
  }

  restore(): void {
    for (const [variable, value] of this.saved) variable.assign(value);
  }

  values(): Float32Array[] {
    return this.saved.map(([, value]) => Float32Array.from(value.dataSync() as Float32Array));
  }

  dispose(): void {
    for (const [, value] of this.saved) value.dispose();
  }
}

/**
 * The most tensor memory this run held at once, in bytes: the base model's weights plus whatever
 * the run allocated on top of the tensors live when it started (its data or cached features, the
 * head, optimizer moments, best-epoch snapshot, and a training step's activations and gradients).
 *
 * Counted in tfjs's own ledger of live tensor bytes (tf.memory().numBytes), not the process's
 * resident size: a worker's RSS keeps the high-water mark of every earlier run (the wasm heap never
 * shrinks, freed native memory is not returned), so a small model trained after a large one
 * reported the large one's footprint. Subtracting the bytes live at the start likewise keeps out
 * anything an earlier run or the worker still holds; the base, loaded fresh for this run, is added
 * back because training cannot do without it. So runs of one experiment compare on what their
 * strategy needs, whatever their worker did before. Sampled at the end of every training step and
 * evaluation chunk, inside their tidy scopes, where a step's intermediates are still alive; the
 * frozen layers' one-off feature pass is seen only through the features it leaves.
 */
class PeakTensorBytes {
  private readonly startBytes = tf.memory().numBytes;
  private readonly baseBytes: number;
  private peakAboveStart = 0;

  constructor(base: tf.LayersModel) {
    this.baseBytes = base.weights.reduce((sum, w) => sum + w.read().size * tf.util.bytesPerElement(w.dtype), 0);
  }

  sample(): number {
    this.peakAboveStart = Math.max(this.peakAboveStart, tf.memory().numBytes - this.startBytes);
    return this.baseBytes + this.peakAboveStart;
  }
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new RunAbortedError(signal.reason);
}

/** Checks what trainRun relies on; the dataset loader checks the model's input against the images. */
function validateSpec(spec: RunSpec, base: tf.LayersModel): void {
  if (!Number.isInteger(spec.epochs) || spec.epochs < 1) throw new TrainingSpecError(`epochs must be a positive integer, got ${spec.epochs}`);
  if (!Number.isInteger(spec.batchSize) || spec.batchSize < 1) {
    throw new TrainingSpecError(`batchSize must be a positive integer, got ${spec.batchSize}`);
  }
  const modelShape = base.inputs[0]?.shape.slice(1) ?? [];
  if (spec.baseModel.inputShape.join() !== modelShape.join()) {
    // The catalog's shape is what the launch was checked against; a stored model.json replaced
    // since then must not be trained as if it were the registered one.
    throw new TrainingSpecError(
      `base model "${spec.baseModel.name}": the catalog registered input [${spec.baseModel.inputShape.join(", ")}] but the model.json the worker received takes [${modelShape.join(", ")}]; ` +
        `the stored model changed after it was registered (import the new one under another name)`,
    );
  }
}
