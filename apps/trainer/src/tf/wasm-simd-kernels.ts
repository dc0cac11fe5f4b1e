import type { TensorInfo } from "./tfjs";
import { SIMD_KERNELS_WASM, SIMD_KERNELS_WASM_SHARED_MEMORY } from "./wasm-simd-kernels.generated";

/**
 * Hand-written WebAssembly SIMD loops (wasm-simd-kernels.wat) that run directly on the tfjs wasm
 * backend's heap: the module imports the backend's own WebAssembly.Memory, so tensors are read and
 * written in place, with no copies. They cover what neither XNNPACK nor plain JavaScript does
 * well: a depthwise filter gradient (XNNPACK only offers it as a depthwise convolution with an
 * image-sized filter, after two transposes), an element-wise select (JavaScript has no SIMD), and
 * the small matrix products of a training step, whose operands are new every step (XNNPACK packs
 * its second operand into a new operator first, which costs more than such a product).
 *
 * Everything here is optional: when the backend's memory is not reachable or WebAssembly SIMD is
 * missing, simdKernelsFor returns undefined and callers keep their composed implementations.
 */

interface SimdExports {
  clipGrad(dy: number, x: number, out: number, n: number, low: number, high: number): void;
  depthwiseFilterGrad(x: number, dy: number, acc: number, dims: number): void;
  depthwiseInputGrad(filter: number, dy: number, dx: number, dims: number): void;
  reluGrad(dy: number, x: number, out: number, n: number): void;
  convGrad(mode: number, image: number, filter: number, dy: number, dims: number): void;
  affine(x: number, a: number, b: number, out: number, rows: number, channels: number): void;
  adam(
    x: number,
    g: number,
    m: number,
    v: number,
    xo: number,
    mo: number,
    vo: number,
    n: number,
    lr: number,
    b1: number,
    b2: number,
    c1: number,
    c2: number,
    eps: number,
  ): void;
  channelSums(
    dy: number,
    x: number,
    mean: number,
    out: number,
    rows: number,
    channels: number,
  ): void;
  pointwiseFilterGrad(x: number, dy: number, out: number, n: number, c: number, o: number): void;
  im2colT(xT: number, out: number, dims: number): void;
  col2im(cols: number, dx: number, dims: number): void;
  gemm(
    a: number,
    b: number,
    out: number,
    m: number,
    k: number,
    n: number,
    aRow: number,
    aCol: number,
  ): void;
  gemmDot(a: number, bt: number, out: number, m: number, k: number, n: number): void;
  maxPool2x2Grad(
    x: number,
    dy: number,
    dx: number,
    batch: number,
    height: number,
    width: number,
    channels: number,
    outHeight: number,
    outWidth: number,
  ): void;
  addBias(x: number, bias: number, out: number, rows: number, channels: number): void;
}

/** The parts of tfjs-backend-wasm's backend object these kernels use. */
interface WasmBackendInternals {
  wasm: {
    asm?: { memory?: unknown };
    wasmMemory?: unknown;
    _malloc(bytes: number): number;
    _free(pointer: number): void;
    HEAP32: Int32Array;
  };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
}

export interface SimdKernels {
  /**
   * Gradients of a dense NHWC convolution in one SIMD walk over dy (for few input channels, such
   * as an image's first convolution; dims.channels is C, outChannels is O). "filter" adds
   * dW[i, j, c, o] into `target` ([fh, fw, C, O]) from x; "input" adds dx into `target`
   * ([B, H, W, C]) from the filter. The target is zeroed by the caller.
   */
  convGrad(
    which: "filter" | "input",
    source: TensorInfo,
    dy: TensorInfo,
    target: TensorInfo,
    dims: DepthwiseDims & { outChannels: number },
  ): void;
  /** out[..., c] = x[..., c] · a[c] (+ b[c]) over float32 tensors, a and b of shape [C]. */
  affine(x: TensorInfo, a: TensorInfo, b: TensorInfo | undefined, out: TensorInfo): void;
  /**
   * One Adam update in float32: m' = β1·m + (1-β1)·g, v' = β2·v + (1-β2)·g²,
   * x' = x - lr·m'·c1 / (sqrt(v'·c2) + ε), with c1, c2 the bias corrections 1/(1-β^t).
   */
  adam(
    tensors: {
      x: TensorInfo;
      g: TensorInfo;
      m: TensorInfo;
      v: TensorInfo;
      xOut: TensorInfo;
      mOut: TensorInfo;
      vOut: TensorInfo;
    },
    p: {
      learningRate: number;
      beta1: number;
      beta2: number;
      firstCorrection: number;
      secondCorrection: number;
      epsilon: number;
    },
  ): void;
  /** dx = dy where x > 0, NaN where x is NaN, else 0 (relu's gradient), over float32 tensors. */
  reluGrad(dy: TensorInfo, x: TensorInfo, out: TensorInfo): void;
  /**
   * Per-channel sums over all but the last axis into `out` ([C], zeroed by the caller): of dy, or
   * with `centred` of dy · (x - mean[c]).
   */
  channelSums(dy: TensorInfo, out: TensorInfo, centred?: { x: TensorInfo; mean: TensorInfo }): void;
  /** dx = dy where low <= x <= high, else 0, over whole float32 tensors of equal size. */
  clipGrad(dy: TensorInfo, x: TensorInfo, out: TensorInfo, low: number, high: number): void;
  /**
   * Adds the depthwise filter gradient (multiplier 1, NHWC) into `out` ([fh, fw, C], zeroed by the
   * caller): out[i, j, c] += Σ x[b, y·sh - top + i·dh, x·sw - left + j·dw, c] · dy[b, y, x, c].
   */
  depthwiseFilterGrad(x: TensorInfo, dy: TensorInfo, out: TensorInfo, dims: DepthwiseDims): void;
  /**
   * Adds the depthwise input gradient (multiplier 1, NHWC) into `dx` ([B, H, W, C], zeroed by the
   * caller): dx[b, y·sh - top + i·dh, x·sw - left + j·dw, c] += filter[i, j, c] · dy[b, y, x, c].
   */
  depthwiseInputGrad(filter: TensorInfo, dy: TensorInfo, dx: TensorInfo, dims: DepthwiseDims): void;
  /**
   * Adds xᵀ · dy into `out` ([C, O], zeroed by the caller) for x [N, C] and dy [N, O]: the filter
   * gradient of a 1×1 convolution. Only for C % 4 == 0 and O % 8 == 0 (POINTWISE_ALIGNMENT).
   */
  pointwiseFilterGrad(
    x: TensorInfo,
    dy: TensorInfo,
    out: TensorInfo,
    pixels: number,
    inChannels: number,
    outChannels: number,
  ): void;
  /**
   * The transposed columns of a convolution with stride 1 in width, for its filter gradient as one
   * matrix product: out[(i·fw + j)·C + c, (b·oh + y)·ow + x] = xT[c, b, y·sh - top + i·dh,
   * x - left + j·dw], 0 outside the input. xT is the input channel-planar ([C, B, H, W]); out is
   * [fh·fw·C, B·oh·ow] and fully written.
   */
  im2colT(xT: TensorInfo, out: TensorInfo, dims: DepthwiseDims): void;
  /**
   * Adds a convolution's column gradient cols [B·oh·ow, fh·fw·C] into its input gradient dx
   * ([B, H, W, C], zeroed by the caller): dx[b, y·sh - top + i·dh, x - left + j, c] +=
   * cols[(b·oh + y)·ow + x, (i·fw + j)·C + c]. Stride and dilation must be 1 in width.
   */
  col2im(cols: TensorInfo, dx: TensorInfo, dims: DepthwiseDims): void;
  /**
   * out [M, N] = A · b for b [K, N], with A = a as [M, K], or aᵀ when a is stored [K, M]
   * (`transposeA`). A plain SIMD loop with no weight packing: for the small products of dense
   * layers' training steps, whose operands are new tensors every step.
   */
  gemm(a: TensorInfo, b: TensorInfo, out: TensorInfo, transposeA: boolean): void;
  /** out [M, N] = a · btᵀ for a [M, K] and bt [N, K]: dot products along a long K. */
  gemmDot(a: TensorInfo, bt: TensorInfo, out: TensorInfo): void;
  /**
   * MaxPoolGrad of a 2×2, stride-2, unpadded pooling of x ([B, H, W, C], dy [B, H/2, W/2, C]):
   * writes every tap of every window; dx outside the windows (odd H or W) is the caller's to zero.
   */
  maxPool2x2Grad(x: TensorInfo, dy: TensorInfo, dx: TensorInfo): void;
  /** out[..., c] = x[..., c] + bias[c], over float32 tensors, bias of shape [C]. */
  addBias(x: TensorInfo, bias: TensorInfo, out: TensorInfo): void;
}

/** Channel counts pointwiseFilterGrad accepts: input channels by 4, output channels by 8. */
export const POINTWISE_ALIGNMENT = { inChannels: 4, outChannels: 8 } as const;

export interface DepthwiseDims {
  batch: number;
  height: number;
  width: number;
  channels: number;
  outHeight: number;
  outWidth: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  dilationHeight: number;
  dilationWidth: number;
  top: number;
  left: number;
}

const instances = new WeakMap<object, SimdKernels | null>();

/** The SIMD kernels bound to this wasm backend's memory, or undefined where they cannot run. */
export function simdKernelsFor(backend: unknown): SimdKernels | undefined {
  const internals = backend as WasmBackendInternals;
  const cached = instances.get(internals);
  if (cached !== undefined) return cached ?? undefined;
  const kernels = instantiate(internals);
  instances.set(internals, kernels ?? null);
  return kernels;
}

function instantiate(backend: WasmBackendInternals): SimdKernels | undefined {
  // The single-threaded build exports its memory; the multi-threaded one creates a shared memory in
  // JavaScript, imports it, and keeps it as Module.wasmMemory.
  const memory = backend.wasm?.asm?.memory ?? backend.wasm?.wasmMemory;
  if (!(memory instanceof WebAssembly.Memory)) return undefined;
  const shared =
    typeof SharedArrayBuffer !== "undefined" && memory.buffer instanceof SharedArrayBuffer;
  let exports: SimdExports;
  try {
    const bytes = Buffer.from(
      shared ? SIMD_KERNELS_WASM_SHARED_MEMORY : SIMD_KERNELS_WASM,
      "base64",
    );
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
    exports = instance.exports as unknown as SimdExports;
  } catch {
    return undefined; // no WebAssembly SIMD here, or a memory this module cannot import
  }
  const address = (info: TensorInfo): number => {
    const data = backend.dataIdMap.get(info.dataId);
    if (data === undefined)
      throw new Error("wasm SIMD kernel: a tensor is not on the wasm backend");
    return data.memoryOffset;
  };
  /** Passes the dimensions through the wasm heap (a scratch allocation freed right after). */
  const withDims = (
    d: DepthwiseDims & { outChannels?: number },
    run: (pointer: number) => void,
  ): void => {
    const values = [
      d.batch,
      d.height,
      d.width,
      d.channels,
      d.outHeight,
      d.outWidth,
      d.filterHeight,
      d.filterWidth,
      d.strideHeight,
      d.strideWidth,
      d.dilationHeight,
      d.dilationWidth,
      d.top,
      d.left,
      d.outChannels ?? 0,
    ];
    // `>>> 0`: wasm's malloc returns a signed i32, negative for addresses above 2 GB.
    const pointer = backend.wasm._malloc(values.length * 4) >>> 0;
    try {
      backend.wasm.HEAP32.set(values, pointer / 4);
      run(pointer);
    } finally {
      backend.wasm._free(pointer);
    }
  };
  const size = (info: TensorInfo) => info.shape.reduce((a, b) => a * b, 1);
  return {
    affine(x, a, b, out) {
      const channels = a.shape[0] ?? 0;
      const rows = channels === 0 ? 0 : size(x) / channels;
      exports.affine(
        address(x),
        address(a),
        b === undefined ? 0 : address(b),
        address(out),
        rows,
        channels,
      );
    },
    adam(t, p) {
      exports.adam(
        address(t.x),
        address(t.g),
        address(t.m),
        address(t.v),
        address(t.xOut),
        address(t.mOut),
        address(t.vOut),
        size(t.x),
        p.learningRate,
        p.beta1,
        p.beta2,
        p.firstCorrection,
        p.secondCorrection,
        p.epsilon,
      );
    },
    reluGrad(dy, x, out) {
      exports.reluGrad(address(dy), address(x), address(out), size(x));
    },
    channelSums(dy, out, centred) {
      const channels = dy.shape[dy.shape.length - 1] ?? 1;
      const rows = channels === 0 ? 0 : size(dy) / channels;
      exports.channelSums(
        address(dy),
        centred ? address(centred.x) : 0,
        centred ? address(centred.mean) : 0,
        address(out),
        rows,
        channels,
      );
    },
    clipGrad(dy, x, out, low, high) {
      const n = x.shape.reduce((a, b) => a * b, 1);
      exports.clipGrad(address(dy), address(x), address(out), n, low, high);
    },
    pointwiseFilterGrad(x, dy, out, pixels, inChannels, outChannels) {
      if (
        inChannels % POINTWISE_ALIGNMENT.inChannels !== 0 ||
        outChannels % POINTWISE_ALIGNMENT.outChannels !== 0
      ) {
        throw new Error(
          `pointwiseFilterGrad needs channel counts divisible by 4 and 8, got ${inChannels} and ${outChannels}`,
        );
      }
      exports.pointwiseFilterGrad(
        address(x),
        address(dy),
        address(out),
        pixels,
        inChannels,
        outChannels,
      );
    },
    convGrad(which, source, dy, target, d) {
      withDims(d, (dims) =>
        which === "filter"
          ? exports.convGrad(0, address(source), address(target), address(dy), dims)
          : exports.convGrad(1, address(target), address(source), address(dy), dims),
      );
    },
    gemm(a, b, out, transposeA) {
      const [k, n] = b.shape.slice(-2) as [number, number];
      const [rows, cols] = a.shape.slice(-2) as [number, number];
      const m = transposeA ? cols : rows;
      if ((transposeA ? rows : cols) !== k || size(out) !== m * n)
        throw new Error(
          `gemm: shapes [${a.shape.join(", ")}]${transposeA ? "ᵀ" : ""} · [${b.shape.join(", ")}] do not fit [${out.shape.join(", ")}]`,
        );
      exports.gemm(
        address(a),
        address(b),
        address(out),
        m,
        k,
        n,
        transposeA ? 1 : k,
        transposeA ? m : 1,
      );
    },
    gemmDot(a, bt, out) {
      const [m, k] = a.shape.slice(-2) as [number, number];
      const [n, k2] = bt.shape.slice(-2) as [number, number];
      if (k !== k2 || size(out) !== m * n)
        throw new Error(
          `gemmDot: shapes [${a.shape.join(", ")}] · [${bt.shape.join(", ")}]ᵀ do not fit [${out.shape.join(", ")}]`,
        );
      exports.gemmDot(address(a), address(bt), address(out), m, k, n);
    },
    maxPool2x2Grad(x, dy, dx) {
      const [batch, height, width, channels] = x.shape as [number, number, number, number];
      const [, outHeight, outWidth] = dy.shape as [number, number, number, number];
      if (
        x.shape.length !== 4 ||
        dy.shape.length !== 4 ||
        dy.shape[0] !== batch ||
        dy.shape[3] !== channels ||
        outHeight * 2 > height ||
        outWidth * 2 > width ||
        dx.shape.join() !== x.shape.join()
      )
        throw new Error(
          `maxPool2x2Grad: dy [${dy.shape.join(", ")}] is not a 2×2 pooling of [${x.shape.join(", ")}]`,
        );
      exports.maxPool2x2Grad(
        address(x),
        address(dy),
        address(dx),
        batch,
        height,
        width,
        channels,
        outHeight,
        outWidth,
      );
    },
    addBias(x, bias, out) {
      const channels = bias.shape[0] ?? 0;
      if (bias.shape.length !== 1 || x.shape.at(-1) !== channels || size(out) !== size(x))
        throw new Error(
          `addBias: bias [${bias.shape.join(", ")}] does not fit [${x.shape.join(", ")}]`,
        );
      exports.addBias(address(x), address(bias), address(out), size(x) / channels, channels);
    },
    col2im(cols, dx, d) {
      if (d.strideWidth !== 1 || d.dilationWidth !== 1)
        throw new Error(
          `col2im needs stride and dilation 1 in width, got ${d.strideWidth} and ${d.dilationWidth}`,
        );
      withDims(d, (dims) => exports.col2im(address(cols), address(dx), dims));
    },
    im2colT(xT, out, d) {
      if (d.strideWidth !== 1)
        throw new Error(`im2colT needs a stride of 1 in width, got ${d.strideWidth}`);
      withDims(d, (dims) => exports.im2colT(address(xT), address(out), dims));
    },
    depthwiseFilterGrad(x, dy, out, d) {
      withDims(d, (dims) =>
        exports.depthwiseFilterGrad(address(x), address(dy), address(out), dims),
      );
    },
    depthwiseInputGrad(filter, dy, dx, d) {
      withDims(d, (dims) =>
        exports.depthwiseInputGrad(address(filter), address(dy), address(dx), dims),
      );
    },
  };
}
