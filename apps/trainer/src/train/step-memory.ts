import os from "node:os";
import { tf } from "../tf/backend";
import { measurePeakBytes } from "../tf/peak-bytes";
import { formatBytes } from "./backend-failure";
import { TrainingSpecError } from "./split-base";

/** How much tensor memory the active backend can hold, and how to say so. */
export interface MemoryLimit {
  bytes: number;
  /** "the wasm backend's 4.0 GiB heap" */
  description: string;
}

/** A wasm module addresses 32 bits: its heap stops at 4 GiB, whatever the host has. */
const WASM_HEAP_BYTES = 4 * 2 ** 30;
/** Without TLAB_DEVICE_MEMORY_MB, what a GPU is assumed to hold (libtensorflow does not tell tfjs). */
const ASSUMED_GPU_BYTES = 4 * 2 ** 30;
/**
 * Share of the limit a plan may fill: the heap also holds kernels' scratch buffers (im2col, packed
 * weights) that tfjs's tensor ledger does not count, and freed blocks fragment it.
 */
const USABLE_SHARE = 0.75;

export function backendMemoryLimit(backend: string, overrideBytes?: number): MemoryLimit {
  if (overrideBytes !== undefined)
    return {
      bytes: overrideBytes,
      description: `the configured ${formatBytes(overrideBytes)} (TLAB_DEVICE_MEMORY_MB) of the ${backend} backend`,
    };
  switch (backend) {
    case "wasm":
      return {
        bytes: WASM_HEAP_BYTES,
        description: `the wasm backend's ${formatBytes(WASM_HEAP_BYTES)} heap`,
      };
    case "tensorflow-gpu":
      return {
        bytes: ASSUMED_GPU_BYTES,
        description: `the ${formatBytes(ASSUMED_GPU_BYTES)} assumed of the GPU (set TLAB_DEVICE_MEMORY_MB to its size)`,
      };
    default: {
      const half = Math.floor(os.totalmem() / 2);
      return {
        bytes: half,
        description: `half of this host's ${formatBytes(os.totalmem())} of memory (${backend} backend)`,
      };
    }
  }
}

export interface StepCost {
  /** Bytes a training pass holds whatever its size: gradients, optimizer moments, accumulators, snapshots. */
  fixedBytes: number;
  /** Bytes each image of a pass adds: its activations, kept for the backward pass, and their gradients. */
  perImageBytes: number;
}

export interface MicroBatchPlan extends StepCost {
  batchSize: number;
  /** Images per forward/backward pass; batchSize when the whole batch fits. */
  microBatch: number;
  limit: MemoryLimit;
  /** What the limit leaves for a training pass once the run's weights, data and head are in. */
  availableBytes: number;
  /** fixedBytes + microBatch × perImageBytes. */
  estimateBytes: number;
}

/** What the refusal names: the model and its input. */
export interface ModelDescription {
  name: string;
  inputShape: readonly number[];
}

/**
 * The largest pass that fits, with the batch split into equal micro-batches (32 at a limit of 13
 * images runs as 11 + 11 + 10, not 13 + 13 + 6). Refuses, naming the model, the input size, the
 * estimate and the limit, when not even one image fits.
 */
export function planMicroBatch(input: {
  batchSize: number;
  cost: StepCost;
  liveBytes: number;
  limit: MemoryLimit;
  model: ModelDescription;
}): MicroBatchPlan {
  const { batchSize, cost, limit } = input;
  const availableBytes = Math.max(0, limit.bytes * USABLE_SHARE - input.liveBytes);
  const fitting = Math.floor((availableBytes - cost.fixedBytes) / Math.max(1, cost.perImageBytes));
  if (fitting < 1) {
    throw new TrainingSpecError(
      `base model "${input.model.name}" at input ${input.model.inputShape.join("×")} needs about ${formatBytes(cost.fixedBytes + cost.perImageBytes)} ` +
        `for a training step on a single image (${formatBytes(cost.perImageBytes)} of activations per image, ${formatBytes(cost.fixedBytes)} of gradients and optimizer state), ` +
        `but ${limit.description} leaves ${formatBytes(availableBytes)} for it once the weights and data (${formatBytes(input.liveBytes)}) are in: ` +
        `train fewer layers (frozen, or partial with a higher cut), use a base with a smaller input, or a backend with more memory`,
    );
  }
  const passes = Math.ceil(batchSize / Math.min(batchSize, fitting));
  const microBatch = Math.ceil(batchSize / passes);
  return {
    batchSize,
    microBatch,
    limit,
    availableBytes,
    estimateBytes: cost.fixedBytes + microBatch * cost.perImageBytes,
    ...cost,
  };
}

/**
 * A lower bound of one image's training activations, from the layers' output shapes alone (each
 * output is kept for the backward pass at least once): enough to refuse a model that cannot fit
 * before a probe tries to allocate it.
 */
export function activationBytesLowerBound(layers: readonly tf.layers.Layer[]): number {
  let values = 0;
  for (const layer of layers) {
    const shapes = (
      Array.isArray(layer.outputShape[0]) || layer.outputShape.length === 0
        ? layer.outputShape
        : [layer.outputShape]
    ) as Array<Array<number | null>>;
    for (const shape of shapes) values += shape.slice(1).reduce<number>((n, d) => n * (d ?? 1), 1);
  }
  return values * 4;
}

/**
 * Measures a training pass: the tensor bytes a pass of one image and of two images raise the
 * ledger by (its peak over the pass), so the difference is one image's share and the rest is
 * fixed. `pass(n)` must run forward and backward on n images and dispose all it made.
 */
export function measureStepCost(pass: (images: number) => void, imagesAvailable: number): StepCost {
  const peakOf = (images: number) => {
    const before = tf.memory().numBytes;
    return Math.max(0, measurePeakBytes(() => pass(images)).peakBytes - before);
  };
  const one = peakOf(1);
  if (imagesAvailable < 2) return { fixedBytes: 0, perImageBytes: one };
  const two = peakOf(2);
  const perImageBytes = Math.max(two - one, 1);
  return { fixedBytes: Math.max(0, one - perImageBytes), perImageBytes };
}
