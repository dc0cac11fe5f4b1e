import { createHash } from "node:crypto";
import type { ImageSet } from "../data/mnist-digits";
import { describeInferencePlan } from "../model/inference-plan";
import { tf } from "../tf/backend";
import type { FeatureCache, FeatureKey, Features } from "./feature-cache";
import type { FrozenPart } from "./split-base";

export type SplitName = "train" | "val" | "test";

/**
 * A data split ready for the training loop: either images (the loop runs the frozen layers, if
 * any, on each batch itself) or features at the cut, computed once.
 */
export interface PreparedSet {
  xs: tf.Tensor;
  labels: tf.Tensor1D;
  count: number;
  stage: "images" | "features";
}

export interface FeatureEvent {
  split: SplitName;
  /**
   * disk-cache: read from the feature cache, no forward pass; computed: one forward pass of the
   * frozen layers now; per-batch: not precomputable (augmented training images), the frozen layers
   * run on every training batch instead.
   */
  source: "disk-cache" | "computed" | "per-batch";
  images: number;
  seconds: number;
  /** Set when computed features could not be written to the cache (the run goes on without). */
  cacheError?: string;
  /** computed and per-batch: how the frozen layers run (what their inference plan folded). */
  inferencePlan?: string;
}

export interface FeatureSource {
  /** Images → features at the cut; null when nothing is frozen. */
  frozenPart: FrozenPart | null;
  /** Name of the last frozen layer (the cut), when frozenPart is set. */
  cutLayer: string | null;
  inputShape: [number, number, number];
  /** Describes how the images were made into model input; part of the cache key. */
  preprocessing: string;
  /** The dataset and split options, for the cache key and a human reading its headers. */
  datasetSpec: Record<string, unknown>;
  cache?: FeatureCache;
  /** Required with `cache`: sha256 of the base before any training step (modelHash). */
  baseModelSha256?: string;
  onFeatures?: (event: FeatureEvent) => void;
}

/** Inputs per forward chunk: about 8 MB of input at a time, at most 512 images. */
const MAX_CHUNK_VALUES = 2 ** 21;
const MAX_CHUNK_IMAGES = 512;

/**
 * Turns a split into what the trainable part reads. With frozen layers and `perBatch` false, their
 * output is read from the disk cache or computed (in inference mode, so BatchNormalization
 * statistics never move) and written to it; otherwise the split stays as images.
 */
export async function prepareSplit(
  split: SplitName,
  set: ImageSet,
  source: FeatureSource,
  options: { perBatch: boolean },
): Promise<PreparedSet> {
  const labels = () => tf.tensor1d(set.labels, "int32");
  if (source.frozenPart === null || options.perBatch) {
    if (source.frozenPart !== null) {
      // The training loop compiles the plan on its first batch anyway; compiling it here costs nothing more.
      const inferencePlan = describeInferencePlan(source.frozenPart.plan());
      source.onFeatures?.({
        split,
        source: "per-batch",
        images: set.count,
        seconds: 0,
        inferencePlan,
      });
    }
    return {
      xs: tf.tensor4d(set.xs, [set.count, ...source.inputShape]),
      labels: labels(),
      count: set.count,
      stage: "images",
    };
  }
  const started = performance.now();
  const key = source.cache ? featureKey(split, set, source) : undefined;
  const cached = key ? await source.cache!.get(key) : undefined;
  if (cached !== undefined && cached.shape[0] === set.count) {
    source.onFeatures?.({
      split,
      source: "disk-cache",
      images: set.count,
      seconds: (performance.now() - started) / 1000,
    });
    return {
      xs: tf.tensor(cached.data, cached.shape),
      labels: labels(),
      count: set.count,
      stage: "features",
    };
  }
  const features = computeFeatures(set, source.frozenPart, source.inputShape);
  const seconds = (performance.now() - started) / 1000;
  let cacheError: string | undefined;
  if (key) {
    try {
      await source.cache!.put(key, features);
    } catch (error) {
      cacheError = error instanceof Error ? error.message : String(error);
    }
  }
  const inferencePlan = describeInferencePlan(source.frozenPart.plan());
  source.onFeatures?.({
    split,
    source: "computed",
    images: set.count,
    seconds,
    inferencePlan,
    ...(cacheError ? { cacheError } : {}),
  });
  return {
    xs: tf.tensor(features.data, features.shape),
    labels: labels(),
    count: set.count,
    stage: "features",
  };
}

/**
 * One inference pass of `frozenPart` over the split, in chunks, straight from the pixel buffer,
 * through its inference plan.
 */
export function computeFeatures(
  set: ImageSet,
  frozenPart: FrozenPart,
  inputShape: [number, number, number],
): Features {
  const featureShape = frozenPart.model.outputs[0]!.shape.slice(1);
  if (featureShape.some((d) => d === null))
    throw new Error(`frozen part "${frozenPart.model.name}" has an output of unknown size`);
  const perImage = (featureShape as number[]).reduce((a, b) => a * b, 1);
  const pixels = inputShape[0] * inputShape[1] * inputShape[2];
  const chunk = Math.max(1, Math.min(MAX_CHUNK_IMAGES, Math.floor(MAX_CHUNK_VALUES / pixels)));
  const data = new Float32Array(set.count * perImage);
  for (let start = 0; start < set.count; start += chunk) {
    const end = Math.min(set.count, start + chunk);
    const out = tf.tidy(() => {
      const images = tf.tensor4d(set.xs.subarray(start * pixels, end * pixels), [
        end - start,
        ...inputShape,
      ]);
      return frozenPart.predict(images);
    });
    data.set(out.dataSync() as Float32Array, start * perImage);
    out.dispose();
  }
  return { shape: [set.count, ...(featureShape as number[])], data };
}

function featureKey(split: SplitName, set: ImageSet, source: FeatureSource): FeatureKey {
  if (source.baseModelSha256 === undefined || source.cutLayer === null) {
    throw new Error("a feature cache needs the base model's hash and the cut layer");
  }
  const content = createHash("sha256");
  content.update(new Uint8Array(set.xs.buffer, set.xs.byteOffset, set.xs.byteLength));
  content.update(new Uint8Array(set.labels.buffer, set.labels.byteOffset, set.labels.byteLength));
  return {
    baseModelSha256: source.baseModelSha256,
    cutLayer: source.cutLayer,
    preprocessing: source.preprocessing,
    dataset: {
      spec: source.datasetSpec,
      split,
      count: set.count,
      contentSha256: content.digest("hex"),
    },
  };
}
