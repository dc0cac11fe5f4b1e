import { assignVariables, readVariables, type TrainingCheckpoint } from "./training-checkpoint";
import { preprocessingOf } from "@tlab/core/layers-model-json";
import { planLayerFreeze } from "@tlab/core/layer-plan";
import type { FinalMetrics, MetricPoint, RunSpec } from "@tlab/core/run";
import { loadDatasetSplit } from "../data/load-dataset-split";
import { encodePredictions } from "@tlab/core/run-predictions";
import { encodeThumbnails, makeThumbnails } from "@tlab/core/test-thumbnails";
import type { ImageSet } from "../data/mnist-digits";
import { deriveSeed, mulberry32, permutation } from "../data/seeded-random";
import { modelHash } from "../model/model-hash";
import { serializeModel } from "../model/model-files";
import { tf } from "../tf/backend";
import { isAugmenting, pixelLevels } from "./augment";
import { accuracyOf, confusionMatrix, perClassMetrics } from "@tlab/core/classification-metrics";
import { DEFAULT_FEATURE_CACHE_MAX_BYTES, FeatureCache } from "./feature-cache";
import { applyBatchNormMode } from "./batch-norm-mode";
import { BestEpoch, shouldStopEarly } from "./best-epoch";
import { evaluate } from "./evaluate";
import { attachHead, buildHead, disposeHead, headParamCount, headVariables } from "./head";
import { learningRateFactor } from "./lr-schedule";
import { PeakTensorBytes } from "./peak-tensor-bytes";
import { planPasses } from "./plan-passes";
import type { MicroBatchPlan } from "./step-memory";
import { trainEpoch, type TrainingContext } from "./train-step";
import {
  createOptimizers,
  disposeOptimizers,
  phasesFor,
  type Optimizers,
  type Phase,
} from "./training-phases";
import { assertLossFinite, epochMetricPoints } from "./epoch-metrics";
import {
  prepareSplit,
  type FeatureEvent,
  type PreparedSet,
  type SplitName,
} from "./prepare-features";
import { splitBase, TrainingSpecError } from "./split-base";

export { TrainingSpecError };
export type { TrainingCheckpoint };
export type { FeatureEvent };
export type { MicroBatchPlan };

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
  /**
   * Tensor memory the backend may hold, in bytes (TLAB_DEVICE_MEMORY_MB); default: the wasm heap's
   * 4 GiB, an assumed 4 GiB of GPU memory, or half the host's memory on the CPU backends.
   */
  memoryLimitBytes?: number;
  /**
   * Called once the run knows how many images go through each forward/backward pass (before the
   * first epoch), and again if an out-of-memory failure lowers it.
   */
  onMicroBatch?: (event: MicroBatchEvent) => void;
}

export type MicroBatchEvent =
  | { kind: "planned"; plan: MicroBatchPlan }
  | { kind: "lowered"; from: number; to: number; reason: string };

export interface TrainRunResult {
  metrics: FinalMetrics;
  /** The trained model (base + head) as one LayersModel, with the best epoch's weights. */
  artifacts: tf.io.ModelArtifacts;
  /** Per-image test predictions (run-predictions.ts), index i the i-th image of the seed's test set. */
  predictions: Uint8Array;
  /** Thumbnails of the test images in the same order (test-thumbnails.ts), for the gallery. */
  testThumbnails: Uint8Array;
}

/** Thrown when the run's AbortSignal fires. Named "AbortError" like DOM/fetch aborts. */
export class RunAbortedError extends Error {
  constructor(reason: unknown) {
    super(`training aborted${reason instanceof Error ? `: ${reason.message}` : ""}`, {
      cause: reason,
    });
    this.name = "AbortError";
  }
}

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
  const classNames =
    spec.dataset.classNames.length === classes.length ? spec.dataset.classNames : split.classNames;
  const { augmentation, earlyStoppingPatience, lrSchedule } = spec.training;
  const augmenting = isAugmenting(augmentation);
  memory.sample();
  // Last step before the try: from here on the base carries changes that `finally` must undo.
  const parts = splitBase(base, plan);

  const originalTrainable = base.layers.map((layer) => layer.trainable);
  const trainableNames = new Set(parts.trainableLayers.map((layer) => layer.name));
  const restoreBatchNorm = applyBatchNormMode(parts.trainableLayers, spec.training.batchNorm);
  const head = buildHead(spec.strategy.head, classes.length, spec.seed);
  const prepared: PreparedSet[] = [];
  let best: BestEpoch | undefined;
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
        ? new FeatureCache({
            dir: deps.cacheDir,
            maxBytes: deps.cacheMaxBytes ?? DEFAULT_FEATURE_CACHE_MAX_BYTES,
          })
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
      const p = await prepareSplit(name, set, featureSource, {
        perBatch: augmenting && name === "train",
      });
      prepared.push(p);
      return p;
    };
    const train = await prepare("train", split.train);
    const val = split.val.count > 0 ? await prepare("val", split.val) : undefined;
    const test = await prepare("test", split.test);
    memory.sample();

    const headVars = headVariables(head);
    const baseVars = parts.trainableLayers.flatMap((layer) =>
      layer.trainableWeights.map((w) => w.read() as tf.Variable),
    );
    const trainingVars = [...headVars, ...baseVars];
    // With statistics updated, BatchNorm's moving mean and variance change as the base trains: they
    // are part of what an epoch produced, so the best-epoch snapshot and checkpoints keep them too
    // (restoring the best epoch's gamma and beta with the last epoch's statistics would mix two models).
    const statisticVars =
      spec.training.batchNorm === "updated"
        ? parts.trainableLayers.flatMap((layer) =>
            layer.nonTrainableWeights.map((w) => w.read() as tf.Variable),
          )
        : [];
    const keptVars = [...trainingVars, ...statisticVars];
    const phases = phasesFor(spec.strategy, spec.epochs);
    const context: TrainingContext = {
      set: train,
      head,
      frozenPart: parts.frozenPart,
      trainablePart: parts.trainablePart,
      // Black and white in the model's input space, so fills and brightness clipping follow
      // the base's preprocessing (range, per-channel normalization).
      augmentation: augmenting
        ? {
            options: augmentation,
            levels: pixelLevels(
              preprocessingOf(base.getUserDefinedMetadata()),
              split.inputShape[2],
            ),
          }
        : null,
      headVars,
      baseVars,
      memory,
      microBatch: spec.batchSize,
      onMicroBatchLowered: (from, to, reason) =>
        deps.onMicroBatch?.({ kind: "lowered", from, to, reason }),
    };
    const passPlan = planPasses({
      context,
      trainsBase: context.trainablePart !== null && phases.some((phase) => phase.trainBase),
      batchSize: spec.batchSize,
      model: { name: spec.baseModel.name, inputShape: spec.baseModel.inputShape },
      memoryLimitBytes: deps.memoryLimitBytes,
    });
    if (passPlan) {
      context.microBatch = passPlan.microBatch;
      deps.onMicroBatch?.({ kind: "planned", plan: passPlan });
    }
    const batchesPerEpoch = Math.ceil(train.count / spec.batchSize);
    best = new BestEpoch(keptVars);
    const resumeEpoch = deps.resume?.epoch ?? 0;
    let { stepMs, imagesTrained } = deps.resume ?? { stepMs: 0, imagesTrained: 0 };
    if (deps.resume) {
      if (resumeEpoch >= spec.epochs)
        throw new TrainingSpecError(
          `checkpoint is at epoch ${resumeEpoch}, the run has only ${spec.epochs}`,
        );
      // Epochs up to the checkpoint are skipped below; their randomness is derived per epoch from
      // the seed, so the remaining epochs see the same batches as an uninterrupted run.
      const checkpoint = withStatistics(deps.resume, trainingVars.length, statisticVars);
      best.resume(checkpoint);
      assignVariables(keptVars, checkpoint.current);
    }

    // One epoch's training input: its shuffled order, seeds and progress reports.
    const epochInput = (
      epoch: number,
      phase: Phase,
      optimizers: Optimizers,
      phaseStart: number,
    ) => {
      const doneBefore = (epoch - 1) * batchesPerEpoch;
      return {
        context,
        epoch,
        order: permutation(train.count, mulberry32(deriveSeed(spec.seed, 11, epoch))),
        batchSize: spec.batchSize,
        phase,
        optimizers,
        dropoutSeedFor: (batch: number) => deriveSeed(spec.seed, 12, epoch, batch),
        augmentSeedFor: (batch: number) => deriveSeed(spec.seed, 14, epoch, batch),
        throwIfAborted: () => throwIfAborted(signal),
        profileFirstStep: epoch === Math.max(phaseStart, resumeEpoch + 1),
        afterBatch: (batch: number) =>
          deps.onProgress?.((doneBefore + batch + 1) / (batchesPerEpoch * spec.epochs)),
      };
    };

    // The loop: each epoch trains, validates, then calls its named parts in Keras-callback order:
    // best-epoch tracking, metrics, checkpoint, early stopping.
    let epoch = 0;
    let stoppedEarly = false;
    phaseLoop: for (const [phaseIndex, phase] of phases.entries()) {
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
          const trained = await trainEpoch(epochInput(epoch, phase, optimizers, phaseStart));
          stepMs += trained.stepMs;
          imagesTrained += train.count;
          assertLossFinite(trained.loss, epoch, spec.strategy.learningRate);
          const validation = val
            ? evaluate(val, parts, head, memory, context.microBatch)
            : undefined;
          best.observe(epoch, validation);
          const seconds = (performance.now() - epochStarted) / 1000;
          const learningRate = optimizers.head.currentLearningRate;
          memory.sample();
          await deps.onEpoch?.(
            epoch,
            epochMetricPoints({ epoch, trained, validation, learningRate, seconds }),
          );
          await deps.onCheckpoint?.({
            epoch,
            bestScore: best.score,
            lastAccuracyGain: best.lastAccuracyGain,
            stepMs,
            imagesTrained,
            current: readVariables(keptVars),
            best: best.bestValues(),
          });
          const stop = shouldStopEarly({
            patience: earlyStoppingPatience,
            epoch,
            epochs: spec.epochs,
            lastAccuracyGainEpoch: best.lastAccuracyGain.epoch,
            phaseStart,
            lastPhase: phaseIndex === phases.length - 1,
            hasValidation: val !== undefined,
          });
          if (stop) {
            stoppedEarly = true;
            break phaseLoop;
          }
        }
      } finally {
        disposeOptimizers(optimizers);
      }
    }

    // An abort that arrived while onEpoch ran must not turn into a completed run.
    throwIfAborted(signal);
    if (stoppedEarly) deps.onProgress?.(1);
    best.restoreUnlessLast(epoch);
    const result = evaluate(test, parts, head, memory, context.microBatch);
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
      bestEpoch: best.score.epoch,
      epochsRun: epoch,
      trainableParams:
        headParams + parts.trainableLayers.reduce((n, layer) => n + layer.countParams(), 0),
      totalParams: headParams + base.countParams(),
      wallTimeMs: performance.now() - started,
      // Throughput of the training steps alone. Frozen and partial steps start from cached
      // features (unless augmentation makes them run the frozen layers per batch), which is
      // exactly the speed-up those strategies buy.
      trainImagesPerSec: stepMs > 0 ? imagesTrained / (stepMs / 1000) : 0,
      peakMemoryBytes: memory.sample(),
      microBatch: context.microBatch,
    };
    // testAccuracy comes from these very predictions, so the stored file reproduces it exactly.
    const predictions = encodePredictions({
      labels,
      predicted: result.predictions,
      confidence: result.confidence,
    });
    const testThumbnails = encodeThumbnails(
      makeThumbnails(split.test.xs, split.inputShape, split.test.count),
    );
    return { metrics, artifacts, predictions, testThumbnails };
  } finally {
    best?.dispose();
    for (const set of prepared) tf.dispose([set.xs, set.labels]);
    disposeHead(head);
    restoreBatchNorm();
    parts.release();
    base.layers.forEach((layer, i) => {
      layer.trainable = originalTrainable[i]!;
    });
  }
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new RunAbortedError(signal.reason);
}

/** Checks what trainRun relies on; the dataset loader checks the model's input against the images. */
function validateSpec(spec: RunSpec, base: tf.LayersModel): void {
  if (!Number.isInteger(spec.epochs) || spec.epochs < 1)
    throw new TrainingSpecError(`epochs must be a positive integer, got ${spec.epochs}`);
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

/**
 * Checkpoints written before statistics were kept hold the training variables only: such a run
 * resumes with the statistics its base has now (those it was loaded with), current and best alike.
 */
function withStatistics(
  checkpoint: TrainingCheckpoint,
  trainingCount: number,
  statisticVars: readonly tf.Variable[],
): TrainingCheckpoint {
  if (statisticVars.length === 0 || checkpoint.current.length !== trainingCount) return checkpoint;
  const statistics = readVariables(statisticVars);
  return {
    ...checkpoint,
    current: [...checkpoint.current, ...statistics],
    best: checkpoint.best ? [...checkpoint.best, ...statistics] : null,
  };
}
