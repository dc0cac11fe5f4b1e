import {
  add,
  backend_util,
  engine,
  getBackend,
  getGradient,
  getKernel,
  mul,
  neg,
  pow,
  registerGradient,
  reshape,
  rsqrt,
  scalar,
  slice_util,
  type AvgPoolGradAttrs,
  type ClipByValueAttrs,
  type FusedBatchNormAttrs,
  type GradConfig,
  type GradFunc,
  type KernelBackend,
  type KernelFunc,
  type NamedAttrMap,
  type SliceAttrs,
  type Tensor,
  type TensorInfo,
  util,
} from "./tfjs";
import { KernelScope, WASM, type WasmHeapBackend } from "./wasm-kernel-scope";
import { simdKernelsFor } from "./wasm-simd-kernels";

/**
 * The memory-bound, element-wise parts of a training step on wasm: batch normalization, ReLU6 and
 * tensor copies (MobileNetV2), bias additions and their gradients' per-channel sums (LeNet-5).
 *
 * tfjs-core writes their gradients as chains of generic kernels, several of them slow on wasm:
 * ReLU6 (relu, then clipByValue) backpropagates through Step, Cast, Multiply, GreaterEqual,
 * LessEqual, LogicalAnd, ZerosLike and Select (the comparisons and Select run ~10× slower than a
 * SIMD pass), and BatchNormalization through Sub, Tile, four Multiply and two Sum (Sum over leading
 * axes transposes the whole tensor first). On MobileNetV2 at batch 8 these chains were ~40% of a
 * fine-tuning step. The overrides below compute the same formulas with fewer, faster passes.
 *
 * Gradients are global in tfjs (not per backend), so each override keeps the original gradient
 * and uses it whenever the active backend is not wasm with these kernels: on cpu and tfjs-node
 * every gradient is computed exactly as before.
 */

/** dx of clipByValue: dy where min <= x <= max, else 0 (tfjs's where(min <= x <= max, dy, 0)). */
export const CLIP_GRAD_KERNEL = "TlabClipByValueGrad";
/** dx of relu: dy where x > 0, NaN where x is NaN, else 0 (tfjs's dy · step(x)). */
export const RELU_GRAD_KERNEL = "TlabReluGrad";
/** Σ over all but the last axis, [..., C] → [C], of dy, or of dy · (x - mean[c]) given x and mean. */
export const CHANNEL_SUMS_KERNEL = "TlabChannelSums";

function heapOf(backend: unknown): WasmHeapBackend {
  return backend as WasmHeapBackend;
}

function channelsOf(x: TensorInfo): number {
  const channels = x.shape[x.shape.length - 1];
  if (channels === undefined) throw new Error(`a per-channel kernel needs rank >= 1, got shape []`);
  return channels;
}

function sameShape(a: TensorInfo, b: TensorInfo, what: string): void {
  if (a.shape.join() !== b.shape.join()) {
    throw new Error(`${what}: shapes [${a.shape.join(", ")}] and [${b.shape.join(", ")}] differ`);
  }
}

const clipByValueGrad: KernelFunc = ({ inputs, attrs, backend }) => {
  const { dy, x } = inputs as { dy: TensorInfo; x: TensorInfo };
  const { clipValueMin, clipValueMax } = attrs as unknown as ClipByValueAttrs;
  sameShape(dy, x, CLIP_GRAD_KERNEL);
  const heap = heapOf(backend);
  const out = heap.makeOutput([...x.shape], "float32");
  const simd = simdKernelsFor(backend);
  if (simd !== undefined) {
    simd.clipGrad(dy, x, out, clipValueMin, clipValueMax);
    return out;
  }
  const dys = heap.typedArrayFromHeap(dy);
  const xs = heap.typedArrayFromHeap(x);
  const dx = heap.typedArrayFromHeap(out);
  // The bounds compared as float32, as tfjs compares them against a float32 scalar.
  const low = Math.fround(clipValueMin);
  const high = Math.fround(clipValueMax);
  // Branch-free (a 0/1 factor): activations straddle the bounds at random, and a mispredicted
  // branch per element made this loop 3× slower. Unlike where(), dy = ±Infinity or NaN outside
  // the range gives NaN rather than 0; such a gradient has diverged anyway.
  const n = dx.length;
  for (let i = 0; i < n; i++) {
    const v = xs[i]!;
    dx[i] = dys[i]! * Number(v >= low) * Number(v <= high);
  }
  return out;
};

const reluGrad: KernelFunc = ({ inputs, backend }) => {
  const { dy, x } = inputs as { dy: TensorInfo; x: TensorInfo };
  sameShape(dy, x, RELU_GRAD_KERNEL);
  const heap = heapOf(backend);
  const out = heap.makeOutput([...x.shape], "float32");
  const simd = simdKernelsFor(backend);
  if (simd !== undefined) {
    simd.reluGrad(dy, x, out);
    return out;
  }
  const dys = heap.typedArrayFromHeap(dy);
  const xs = heap.typedArrayFromHeap(x);
  const dx = heap.typedArrayFromHeap(out);
  for (let i = 0; i < dx.length; i++) {
    const v = xs[i]!;
    dx[i] = v > 0 ? dys[i]! : Number.isNaN(v) ? Number.NaN : 0;
  }
  return out;
};

const channelSums: KernelFunc = ({ inputs, backend }) => {
  const { dy, x, mean } = inputs as { dy: TensorInfo; x?: TensorInfo; mean?: TensorInfo };
  const channels = channelsOf(dy);
  if ((x === undefined) !== (mean === undefined))
    throw new Error(`${CHANNEL_SUMS_KERNEL}: x and mean come together`);
  if (x !== undefined) sameShape(dy, x, CHANNEL_SUMS_KERNEL);
  if (mean !== undefined && (mean.shape.length !== 1 || mean.shape[0] !== channels)) {
    throw new Error(
      `${CHANNEL_SUMS_KERNEL}: mean has shape [${mean.shape.join(", ")}], expected [${channels}]`,
    );
  }
  const heap = heapOf(backend);
  const out = heap.makeOutput([channels], "float32");
  heap.typedArrayFromHeap(out).fill(0);
  const simd = simdKernelsFor(backend);
  if (simd !== undefined) {
    simd.channelSums(dy, out, x === undefined || mean === undefined ? undefined : { x, mean });
    return out;
  }
  const sums = new Float64Array(channels);
  const dys = heap.typedArrayFromHeap(dy);
  const xs = x === undefined ? undefined : heap.typedArrayFromHeap(x);
  const means = mean === undefined ? undefined : heap.typedArrayFromHeap(mean);
  for (let at = 0; at < dys.length; at += channels) {
    for (let c = 0; c < channels; c++) {
      sums[c] = sums[c]! + dys[at + c]! * (xs === undefined ? 1 : xs[at + c]! - means![c]!);
    }
  }
  heap.typedArrayFromHeap(out).set(sums);
  return out;
};

/** 1 / sqrt(variance + ε) per channel, in float32 as tfjs's rsqrt(add(variance, ε)) gives it. */
function inverseStd(variance: Float32Array, epsilon: number): Float32Array {
  const out = new Float32Array(variance.length);
  for (let c = 0; c < variance.length; c++)
    out[c] = 1 / Math.sqrt(Math.fround(variance[c]! + epsilon));
  return out;
}

/**
 * Identity without a copy: the output shares the input's data and holds one more reference, as
 * the cpu backend does it. The wasm backend's own Identity copies the whole tensor, and tfjs-core
 * clones every tensor a gradient will need (saveTensorsForBackwardMode): on MobileNetV2 that was
 * ~600 activation-sized copies per step. Sharing is safe because no kernel writes into its inputs.
 */
const identity: KernelFunc = ({ inputs, backend }) => {
  const { x } = inputs as { x: TensorInfo };
  heapOf(backend).incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
};

/**
 * FusedBatchNorm with rank-1 statistics as one pass y = x·a[c] + b[c], where
 * a = scale / sqrt(variance + ε) and b = offset - mean·a. The wasm backend's own kernel works out
 * a channel index per element and is ~3× slower. Other shapes use the backend's kernel.
 */
function fastBatchNorm(original: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, attrs, backend } = args;
    const { x, mean, variance, offset, scale } = inputs as Record<
      string,
      TensorInfo | undefined
    > & { x: TensorInfo; mean: TensorInfo; variance: TensorInfo };
    const channels = x.shape[x.shape.length - 1];
    const perChannel = [mean, variance, offset, scale].every(
      (t) => t === undefined || (t.shape.length === 1 && t.shape[0] === channels),
    );
    if (!perChannel || x.dtype !== "float32" || channels === undefined || channels === 0)
      return original(args);
    const { varianceEpsilon } = attrs as unknown as FusedBatchNormAttrs;
    const heap = heapOf(backend);
    const a = inverseStd(heap.typedArrayFromHeap(variance), varianceEpsilon);
    const b = new Float32Array(channels);
    const means = heap.typedArrayFromHeap(mean);
    const scales = scale === undefined ? undefined : heap.typedArrayFromHeap(scale);
    const offsets = offset === undefined ? undefined : heap.typedArrayFromHeap(offset);
    for (let c = 0; c < channels; c++) {
      if (scales !== undefined) a[c] = a[c]! * scales[c]!;
      b[c] = (offsets === undefined ? 0 : offsets[c]!) - means[c]! * a[c]!;
    }
    const scope = new KernelScope(backend as KernelBackend);
    try {
      const factors = heap.makeOutput([channels], "float32");
      const shifts = heap.makeOutput([channels], "float32");
      heap.typedArrayFromHeap(factors).set(a);
      heap.typedArrayFromHeap(shifts).set(b);
      scope.adopt(factors, shifts);
      const simd = simdKernelsFor(backend);
      if (simd !== undefined) {
        // One SIMD pass of the module's own; otherwise two of the backend's (x·a, then + b).
        const out = heap.makeOutput([...x.shape], "float32");
        simd.affine(x, factors, shifts, out);
        scope.finish();
        return out;
      }
      const result = scope.run("Add", {
        a: scope.run("Multiply", { a: x, b: factors }),
        b: shifts,
      });
      scope.finish(result);
      return result;
    } catch (error) {
      scope.finish();
      throw error;
    }
  };
}

/**
 * Slice by row copies. The wasm backend's Slice (JavaScript) copies a 4-D slice element by element;
 * here every run that is contiguous in both tensors (the innermost axes the slice keeps whole,
 * plus the next one) is one native typed-array copy. The gradient of Keras's ZeroPadding2D before
 * each stride-2 depthwise convolution is such a slice of an activation.
 */
function fastSlice(original: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, attrs, backend } = args;
    const { x } = inputs as { x: TensorInfo };
    if (x.dtype === "string" || x.shape.length === 0) return original(args);
    const { begin, size } = attrs as unknown as SliceAttrs;
    const [start, extent] = slice_util.parseSliceParams(x as unknown as Tensor, begin, size) as [
      number[],
      number[],
    ];
    const heap = heapOf(backend);
    const out = heap.makeOutput(extent, x.dtype);
    if (extent.some((d) => d === 0)) return out;
    const source = heap.typedArrayFromHeap(x);
    const target = heap.typedArrayFromHeap(out);
    const rank = x.shape.length;
    // The innermost axis `inner` where the slice stops covering the whole input axis: each copy
    // moves extent[inner] · (elements per step of that axis) contiguous values.
    let inner = rank - 1;
    while (inner > 0 && start[inner] === 0 && extent[inner] === x.shape[inner]) inner--;
    const inStride = new Array<number>(rank).fill(1);
    const outStride = new Array<number>(rank).fill(1);
    for (let axis = rank - 2; axis >= 0; axis--) {
      inStride[axis] = inStride[axis + 1]! * x.shape[axis + 1]!;
      outStride[axis] = outStride[axis + 1]! * extent[axis + 1]!;
    }
    const run = extent[inner]! * inStride[inner]!;
    const copy = (axis: number, from: number, at: number): void => {
      if (axis === inner) {
        const first = from + start[axis]! * inStride[axis]!;
        target.set(source.subarray(first, first + run), at);
        return;
      }
      for (let i = 0; i < extent[axis]!; i++)
        copy(axis + 1, from + (start[axis]! + i) * inStride[axis]!, at + i * outStride[axis]!);
    };
    copy(0, 0, 0);
    return out;
  };
}

/**
 * AvgPoolGrad of a global average pooling (one window covering the whole unpadded input, as in
 * MobileNetV2's last pooling) spreads dy / (H·W) over every pixel: one scaled row per image, then
 * native copies. The wasm backend's kernel revisits the window for every input pixel (~20 ms for
 * MobileNetV2's 7×7×1280 at batch 8). Other poolings use the backend's kernel.
 */
function fastGlobalAvgPoolGrad(original: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, attrs, backend } = args;
    const { dy, input } = inputs as { dy: TensorInfo; input: TensorInfo };
    const { filterSize, strides, pad } = attrs as unknown as AvgPoolGradAttrs;
    if (input.shape.length !== 4 || dy.dtype !== "float32") return original(args);
    const info = backend_util.computePool2DInfo(
      input.shape as [number, number, number, number],
      filterSize,
      strides,
      1,
      pad,
    );
    const global =
      info.outHeight === 1 &&
      info.outWidth === 1 &&
      info.filterHeight === info.inHeight &&
      info.filterWidth === info.inWidth &&
      info.padInfo.top === 0 &&
      info.padInfo.left === 0 &&
      info.padInfo.bottom === 0 &&
      info.padInfo.right === 0;
    if (!global) return original(args);
    const { batchSize, inHeight, inWidth, inChannels } = info;
    const heap = heapOf(backend);
    const dx = heap.makeOutput([...input.shape], "float32");
    const dys = heap.typedArrayFromHeap(dy);
    const dxs = heap.typedArrayFromHeap(dx);
    const pixels = inHeight * inWidth;
    const row = new Float32Array(inChannels);
    for (let b = 0; b < batchSize; b++) {
      for (let c = 0; c < inChannels; c++) row[c] = dys[b * inChannels + c]! / pixels;
      const image = b * pixels * inChannels;
      for (let p = 0; p < pixels; p++) dxs.set(row, image + p * inChannels);
    }
    return dx;
  };
}

/** Below this many elements the backend's own kernels are as fast (the work is all overhead). */
const MIN_SIMD_ELEMENTS = 4096;

/**
 * x + bias over the last axis (a layer's bias under a gradient tape, where tfjs-core does not fuse
 * it into the convolution) in one SIMD pass. The wasm backend's Add broadcasts with an index
 * computation per element: 0.5 to 0.7 ms for LeNet-5's first activation at batch 32.
 */
function fastBiasAdd(original: KernelFunc): KernelFunc {
  return (args) => {
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    const [x, bias] = isBiasOf(b, a) ? [a, b] : isBiasOf(a, b) ? [b, a] : [];
    const simd = x === undefined ? undefined : simdKernelsFor(args.backend);
    if (x === undefined || bias === undefined || simd === undefined) return original(args);
    const out = heapOf(args.backend).makeOutput([...x.shape], "float32");
    simd.addBias(x, bias, out);
    return out;
  };
}

/** A float32 [C] added to a float32 [..., C] large enough for the SIMD pass to pay. */
function isBiasOf(bias: TensorInfo, x: TensorInfo): boolean {
  return (
    bias.dtype === "float32" &&
    x.dtype === "float32" &&
    bias.shape.length === 1 &&
    x.shape.length >= 2 &&
    x.shape.at(-1) === bias.shape[0] &&
    util.sizeFromShape(x.shape) >= MIN_SIMD_ELEMENTS
  );
}

/**
 * Sum over every axis but the last (a bias's gradient) as one SIMD pass of per-channel sums. The
 * wasm backend's Sum transposes the reduced axes to the end first, a full copy of dy.
 */
function fastChannelSum(original: KernelFunc): KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const { axis, keepDims } = args.attrs as unknown as {
      axis: number | number[];
      keepDims: boolean;
    };
    const rank = x.shape.length;
    const axes = util.parseAxisParam(axis, x.shape);
    const leading =
      axes.length === rank - 1 && [...axes].sort((p, q) => p - q).every((a, i) => a === i);
    const simd =
      leading &&
      rank >= 2 &&
      x.dtype === "float32" &&
      util.sizeFromShape(x.shape) >= MIN_SIMD_ELEMENTS
        ? simdKernelsFor(args.backend)
        : undefined;
    if (simd === undefined) return original(args);
    const channels = channelsOf(x);
    const heap = heapOf(args.backend);
    const out = heap.makeOutput(
      keepDims ? [...x.shape.map(() => 1).slice(1), channels] : [channels],
      "float32",
    );
    heap.typedArrayFromHeap(out).fill(0);
    simd.channelSums(x, out);
    return out;
  };
}

/** Kernels of this module that tfjs has no counterpart for. */
export const ELEMENTWISE_KERNELS: ReadonlyArray<{ kernelName: string; kernelFunc: KernelFunc }> = [
  { kernelName: CLIP_GRAD_KERNEL, kernelFunc: clipByValueGrad },
  { kernelName: RELU_GRAD_KERNEL, kernelFunc: reluGrad },
  { kernelName: CHANNEL_SUMS_KERNEL, kernelFunc: channelSums },
];

/** wasm kernels this module replaces outright. */
export const REPLACED_ELEMENTWISE_KERNELS: ReadonlyArray<{
  kernelName: string;
  kernelFunc: KernelFunc;
}> = [{ kernelName: "Identity", kernelFunc: identity }];

/** wasm kernels kept for the shapes this module does not handle. */
export const WRAPPED_ELEMENTWISE_KERNELS: ReadonlyArray<{
  kernelName: string;
  wrap: (original: KernelFunc) => KernelFunc;
}> = [
  { kernelName: "FusedBatchNorm", wrap: fastBatchNorm },
  { kernelName: "Slice", wrap: fastSlice },
  { kernelName: "AvgPoolGrad", wrap: fastGlobalAvgPoolGrad },
  { kernelName: "Add", wrap: fastBiasAdd },
  { kernelName: "Sum", wrap: fastChannelSum },
];

/** The fast gradients run only on wasm with this module's kernels registered. */
function onWasmWithOurKernels(): boolean {
  return getBackend() === WASM && getKernel(CLIP_GRAD_KERNEL, WASM) !== undefined;
}

const float32 = (...tensors: Array<Tensor | undefined>) =>
  tensors.every((t) => t === undefined || t.dtype === "float32");

/** Σ over every axis but the last, [..., C] → [C], of dy or of dy · (x - mean). */
function sumPerChannel(dy: Tensor, centred?: { x: Tensor; mean: Tensor }): Tensor {
  return engine().runKernel(
    CHANNEL_SUMS_KERNEL,
    centred === undefined ? { dy } : { dy, ...centred },
  ) as Tensor;
}

type FastGrad = (
  dy: Tensor,
  saved: Tensor[],
  attrs: NamedAttrMap,
) => ReturnType<GradFunc> | undefined;

/** Relu: [x] saved. One pass instead of Step, Cast (a copy on wasm) and Multiply. */
const reluFastGrad: FastGrad = (dy, [x]) => {
  if (!onWasmWithOurKernels() || !float32(dy, x)) return undefined;
  return { x: () => engine().runKernel(RELU_GRAD_KERNEL, { dy, x: x! }) as Tensor };
};

/** ClipByValue: [x] saved. One pass instead of GreaterEqual, LessEqual, LogicalAnd, ZerosLike, Select. */
const clipFastGrad: FastGrad = (dy, [x], attrs) => {
  if (!onWasmWithOurKernels() || !float32(dy, x)) return undefined;
  return { x: () => engine().runKernel(CLIP_GRAD_KERNEL, { dy, x: x! }, attrs) as Tensor };
};

/**
 * FusedBatchNorm: [x, mean, variance, scale] saved. With per-channel statistics,
 *   dx = dy·(scale·r),  dscale = r·Σ dy·(x - mean),  doffset = Σ dy,
 *   dmean = -scale·r·Σ dy,  dvariance = -½·scale·r³·Σ dy·(x - mean),   r = 1/sqrt(variance + ε),
 * tfjs-core's formulas. tfjs computes x - mean and dy·scale eagerly and tiles r to the whole
 * activation; here each closure does only its own work, and runs only when the engine needs that
 * input's gradient (in inference-mode fine-tuning: x, scale and offset).
 */
const batchNormFastGrad: FastGrad = (dy, [x, mean, variance, scale], attrs) => {
  if (!onWasmWithOurKernels() || x === undefined || mean === undefined || variance === undefined)
    return undefined;
  const channels = x.shape[x.rank - 1];
  const perChannel = [mean, variance, scale].every(
    (t) => t === undefined || (t.rank === 1 && t.shape[0] === channels),
  );
  if (!perChannel || x.rank < 2 || !float32(dy, x, mean, variance, scale)) return undefined;
  const { varianceEpsilon } = attrs as unknown as FusedBatchNormAttrs;
  const inverse = () => rsqrt(add(variance, scalar(varianceEpsilon)));
  const scaled = (t: Tensor) => (scale === undefined ? t : mul(t, scale));
  const centredSum = () => sumPerChannel(dy, { x, mean });
  return {
    x: () => mul(dy, scaled(inverse())),
    mean: () => reshape(neg(scaled(mul(inverse(), sumPerChannel(dy)))), mean.shape),
    variance: () =>
      reshape(
        mul(scalar(-0.5), scaled(mul(pow(inverse(), scalar(3)), centredSum()))),
        variance.shape,
      ),
    scale: () => reshape(mul(inverse(), centredSum()), mean.shape),
    offset: () => reshape(sumPerChannel(dy), mean.shape),
  };
};

const FAST_GRADIENTS: ReadonlyArray<{ kernelName: string; fast: FastGrad }> = [
  { kernelName: "Relu", fast: reluFastGrad },
  { kernelName: "ClipByValue", fast: clipFastGrad },
  { kernelName: "FusedBatchNorm", fast: batchNormFastGrad },
];

/** Gradient functions installed by this module, so a second call leaves them in place. */
const ourGradients = new WeakSet<GradFunc>();

/**
 * Installs the gradient overrides. Each keeps the gradient it replaces and falls back to it for
 * any backend without these kernels and any case the fast path does not cover, so on other
 * backends every gradient is computed exactly as before. Idempotent.
 */
export function registerFastGradients(): void {
  for (const { kernelName, fast } of FAST_GRADIENTS) {
    const original: GradConfig | undefined = getGradient(kernelName);
    if (original === undefined || ourGradients.has(original.gradFunc)) continue;
    const gradFunc: GradFunc = (dy, saved, attrs) =>
      fast(dy as Tensor, saved, attrs) ?? original.gradFunc(dy, saved, attrs);
    ourGradients.add(gradFunc);
    registerGradient({ ...original, gradFunc });
  }
}
