import {
  backend_util,
  getKernel,
  registerKernel,
  unregisterKernel,
  type Conv2DBackpropFilterAttrs,
  type BatchMatMulAttrs,
  type Conv2DBackpropInputAttrs,
  type DepthwiseConv2dNativeBackpropFilterAttrs,
  type DepthwiseConv2dNativeBackpropInputAttrs,
  type KernelBackend,
  type KernelConfig,
  type KernelFunc,
  type MaxPoolGradAttrs,
  type TileAttrs,
  type TensorInfo,
} from "./tfjs";
import {
  ELEMENTWISE_KERNELS,
  registerFastGradients,
  REPLACED_ELEMENTWISE_KERNELS,
  WRAPPED_ELEMENTWISE_KERNELS,
} from "./wasm-elementwise-kernels";
import { POINTWISE_ALIGNMENT, type SimdKernels, simdKernelsFor } from "./wasm-simd-kernels";
import { KernelScope, shape4, WASM, type WasmHeapBackend } from "./wasm-kernel-scope";

/**
 * Training kernels the tfjs wasm backend (4.22) does not ship, and faster versions of some it
 * does. The general paths compose the wasm backend's own kernels (Conv2D, DepthwiseConv2dNative,
 * Transpose, Reshape, PadV2, Slice, Reverse, Sum), so the heavy work runs in XNNPACK. The shapes a
 * MobileNetV2 step is made of take hand-written SIMD loops over the wasm heap instead
 * (./wasm-simd-kernels: 1×1 and few-channel filter gradients, depthwise gradients, Adam), where
 * XNNPACK would need transposes or image-sized filters first.
 *
 * Without Conv2DBackpropFilter no gradient flows through a Conv2D layer on wasm at all: the fused
 * conv2d gradient in tfjs-core computes the filter gradient eagerly, even for frozen filters.
 *
 * The element-wise kernels and gradient overrides (batch normalization, ReLU6, Identity, Slice,
 * global average pooling) live in ./wasm-elementwise-kernels and are registered here with the rest.
 * `npx tsx apps/trainer/src/tf/profile-training-step.ts` shows where a step's time goes.
 *
 * Layout conventions (NHWC): x [B, H, W, C], filter [fh, fw, C, O], dy [B, oh, ow, O]; for the
 * depthwise kernels filter [fh, fw, C, M] and dy [B, oh, ow, C*M] with channel c*M + m.
 */

const BACKEND = WASM;

type Pair = [number, number];
type Padding = Conv2DBackpropFilterAttrs["pad"];
type ExplicitPadding = [Pair, Pair, Pair, Pair];

function explicitSpatialPadding(top: number, bottom: number, left: number, right: number): Padding {
  if (top === 0 && bottom === 0 && left === 0 && right === 0) return "valid";
  const pad: ExplicitPadding = [
    [0, 0],
    [top, bottom],
    [left, right],
    [0, 0],
  ];
  return pad;
}

/**
 * Zeros needed after the input so that every tap of the forward convolution lands inside the
 * padded input: (out - 1) * stride + (filter - 1) * dilation + 1 rows must exist. This can be less
 * than the forward pass's own bottom/right padding (those extra zeros never meet a filter tap) and,
 * with dimRoundingMode "ceil", more.
 */
function trailingPad(
  inSize: number,
  leadingPad: number,
  outSize: number,
  stride: number,
  filterSize: number,
  dilation: number,
): number {
  const needed = (outSize - 1) * stride + (filterSize - 1) * dilation + 1;
  return Math.max(0, needed - leadingPad - inSize);
}

function assertOutShape(info: backend_util.Conv2DInfo, dy: TensorInfo, kernelName: string): void {
  const [, oh, ow] = shape4(dy, `${kernelName}: dy`);
  if (info.outHeight !== oh || info.outWidth !== ow) {
    throw new Error(
      `${kernelName}: dy is ${oh}x${ow} but the convolution it belongs to produces ${info.outHeight}x${info.outWidth}`,
    );
  }
}

/**
 * When the SIMD loop computes a dense convolution's gradients instead of XNNPACK: few input
 * channels (an image's first convolution) and whole SIMD rows of output channels. MobileNetV2's
 * Conv1 (3×3, stride 2, 3 → 32 channels) is ~3× faster this way: XNNPACK would run a convolution
 * with 3 output channels after zero-inserting dy (input gradient) or after transposing x and dy
 * (filter gradient). LeNet-5's 5×5 layers (1 → 6 and 6 → 16 channels) measured 3× slower in the
 * loop than in XNNPACK, hence both limits.
 */
const SIMD_CONV = { maxInChannels: 4, outChannelMultiple: 8 } as const;

function fewInputChannels(info: backend_util.Conv2DInfo, ...tensors: TensorInfo[]): boolean {
  return (
    info.inChannels <= SIMD_CONV.maxInChannels &&
    info.outChannels % SIMD_CONV.outChannelMultiple === 0 &&
    tensors.every((t) => t.dtype === "float32")
  );
}

function simdConvDims(info: backend_util.Conv2DInfo) {
  return {
    batch: info.batchSize,
    height: info.inHeight,
    width: info.inWidth,
    channels: info.inChannels,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    dilationHeight: info.dilationHeight,
    dilationWidth: info.dilationWidth,
    top: info.padInfo.top,
    left: info.padInfo.left,
    outChannels: info.outChannels,
  };
}

/** A 1×1 convolution with stride 1 and no padding: a matrix product over the pixels. */
function isPointwise(info: backend_util.Conv2DInfo): boolean {
  return (
    info.filterHeight === 1 &&
    info.filterWidth === 1 &&
    info.strideHeight === 1 &&
    info.strideWidth === 1 &&
    info.padInfo.top === 0 &&
    info.padInfo.left === 0 &&
    info.outHeight === info.inHeight &&
    info.outWidth === info.inWidth
  );
}

/**
 * dW = xᵀ · dy over the N = B·H·W pixels, x as [N, C] and dy as [N, O]: MobileNetV2's expand and
 * project convolutions. XNNPACK multiplies [M, N] by [N, K] only with the first operand's rows
 * contiguous and packs the second as weights, and both steps cost most on the wider operand
 * (packing a wide [N, K] is as slow as transposing it). So the wider of x and dy is transposed and
 * the narrower is packed; the general path below transposes and packs both. With channel counts
 * the SIMD module takes (all of MobileNetV2's), a SIMD loop reads x and dy as they are instead.
 */
function pointwiseFilterGrad(
  scope: KernelScope,
  backend: unknown,
  x: TensorInfo,
  dy: TensorInfo,
  info: backend_util.Conv2DInfo,
): TensorInfo {
  const { batchSize, inHeight, inWidth, inChannels, outChannels } = info;
  const pixels = batchSize * inHeight * inWidth;
  const aligned =
    inChannels % POINTWISE_ALIGNMENT.inChannels === 0 &&
    outChannels % POINTWISE_ALIGNMENT.outChannels === 0;
  const simd =
    aligned && x.dtype === "float32" && dy.dtype === "float32"
      ? simdKernelsFor(backend)
      : undefined;
  if (simd !== undefined) {
    // Straight from NHWC x and dy, no transposes: a SIMD loop over the pixels (every MobileNetV2
    // channel count is a multiple of 8).
    const heap = backend as WasmHeapBackend;
    const result = heap.makeOutput([1, 1, inChannels, outChannels], "float32");
    heap.typedArrayFromHeap(result).fill(0);
    simd.pointwiseFilterGrad(x, dy, result, pixels, inChannels, outChannels);
    return result;
  }
  const x2 = scope.reshape(x, [1, pixels, inChannels]);
  const dy2 = scope.reshape(dy, [1, pixels, outChannels]);
  const matMul = (a: TensorInfo, b: TensorInfo) =>
    scope.run("BatchMatMul", { a, b }, { transposeA: false, transposeB: false });
  if (inChannels >= outChannels) {
    const grad = matMul(scope.transpose(x2, [0, 2, 1]), dy2); // [1, C, O]
    return scope.reshape(grad, [1, 1, inChannels, outChannels]);
  }
  const gradT = matMul(scope.transpose(dy2, [0, 2, 1]), x2); // [1, O, C]
  return scope.reshape(scope.transpose(gradT, [0, 2, 1]), [1, 1, inChannels, outChannels]);
}

/**
 * Largest column matrix (fh·fw·C rows by B·oh·ow pixels) the gradients build: LeNet-5's first
 * convolution at batch 256 needs 25 MB. Larger ones take the transposed-convolution paths.
 */
const MAX_COLUMN_BYTES = 64 * 1024 * 1024;
/** Filter taps × input channels: beyond this the columns matrix is mostly copies of the input. */
const MAX_COLUMN_ROWS = 256;

/**
 * Small convolutions with stride 1 in width (LeNet-5's) take the columns paths: a matrix product
 * in the SIMD module plus a SIMD copy or scatter of the columns.
 * - Filter gradient, up to 4 input channels: XNNPACK runs it as a convolution with an image-sized
 *   filter and a handful of output pixels, which it parallelises and vectorises badly.
 * - Input gradient (stride and dilation 1 in width): XNNPACK's transposed convolution multiplies
 *   a padded dy, so for a 5×5 filter on LeNet-5's 10×10 output half of its work falls on zeros.
 * 1×1 convolutions keep their own paths (no padding, no columns to build).
 */
function columnsFit(
  gradient: "filter" | "input",
  info: backend_util.Conv2DInfo,
  ...tensors: TensorInfo[]
): boolean {
  const rows = info.filterHeight * info.filterWidth * info.inChannels;
  const pixels = info.batchSize * info.outHeight * info.outWidth;
  const shapeFits =
    gradient === "filter"
      ? info.inChannels <= SIMD_CONV.maxInChannels
      : info.dilationWidth === 1 && info.filterHeight * info.filterWidth > 1;
  return (
    shapeFits &&
    info.strideWidth === 1 &&
    rows <= MAX_COLUMN_ROWS &&
    rows * pixels * 4 <= MAX_COLUMN_BYTES &&
    tensors.every((t) => t.dtype === "float32")
  );
}

/**
 * dW = colsᵀ · dy as dot products over the P = B·oh·ow output pixels: colsᵀ [fh·fw·C, P] holds,
 * for each filter tap and input channel, the input pixel each output reads there (a SIMD copy
 * from the channel-planar input), and dyᵀ is [O, P]. The product [fh·fw·C, O] is the filter's
 * layout.
 */
function columnsFilterGrad(
  scope: KernelScope,
  backend: unknown,
  simd: SimdKernels,
  x: TensorInfo,
  dy: TensorInfo,
  info: backend_util.Conv2DInfo,
): TensorInfo {
  const { batchSize, inChannels, filterHeight, filterWidth, outChannels } = info;
  const rows = filterHeight * filterWidth * inChannels;
  const pixels = batchSize * info.outHeight * info.outWidth;
  // Channel-planar [C, B, H, W]; with one channel, NHWC already is.
  const planar = inChannels === 1 ? x : scope.transpose(x, [3, 0, 1, 2]);
  const heap = backend as WasmHeapBackend;
  const columns = heap.makeOutput([rows, pixels], "float32");
  scope.adopt(columns);
  simd.im2colT(planar, columns, simdConvDims(info));
  const dyT = scope.transpose(scope.reshape(dy, [pixels, outChannels]), [1, 0]); // [O, P]
  const grad = heap.makeOutput([filterHeight, filterWidth, inChannels, outChannels], "float32");
  simd.gemmDot(columns, dyT, grad);
  return grad;
}

/**
 * dx as a product and a scatter: the column gradient dcols [P, fh·fw·C] = dy [P, O] · Wᵀ (the
 * SIMD gemm, W read as [fh·fw·C, O]), then each pixel's columns added back onto the input taps
 * they came from (col2im). Unlike the transposed convolution, no multiply-add falls on padding.
 */
function columnsInputGrad(
  scope: KernelScope,
  backend: unknown,
  simd: SimdKernels,
  dy: TensorInfo,
  filter: TensorInfo,
  info: backend_util.Conv2DInfo,
): TensorInfo {
  const { batchSize, inHeight, inWidth, inChannels, filterHeight, filterWidth, outChannels } = info;
  const rows = filterHeight * filterWidth * inChannels;
  const pixels = batchSize * info.outHeight * info.outWidth;
  const heap = backend as WasmHeapBackend;
  const filterT = scope.transpose(scope.reshape(filter, [rows, outChannels]), [1, 0]); // [O, rows]
  const dcols = heap.makeOutput([pixels, rows], "float32");
  scope.adopt(dcols);
  simd.gemm(scope.reshape(dy, [pixels, outChannels]), filterT, dcols, false);
  const dx = heap.makeOutput([batchSize, inHeight, inWidth, inChannels], "float32");
  heap.typedArrayFromHeap(dx).fill(0);
  simd.col2im(dcols, dx, simdConvDims(info));
  return dx;
}

/**
 * dW[i, j, c, o] = sum over b, y, x of xPadded[b, y*sh + i*dh, x*sw + j*dw, c] * dy[b, y, x, o].
 *
 * Read with c as the batch, b as the input channel and (y, x) as the filter taps, that is a plain
 * convolution of xᵀ = [C, H, W, B] with the filter dyᵀ = [oh, ow, B, O], whose stride is the
 * forward dilation and whose dilation is the forward stride. Its output [C, fh', fw', O] has
 * fh' >= fh (extra rows come from padding the forward pass never used), so it is cropped to the
 * filter size and transposed back to [fh, fw, C, O].
 */
const conv2DBackpropFilter: KernelFunc = ({ inputs, attrs, backend }) => {
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } =
    attrs as unknown as Conv2DBackpropFilterAttrs;
  // tfjs-core's conv2d gradient rejects dilations > 1 before it gets here and passes none; the
  // attribute is honoured anyway so the kernel is correct for any caller that does pass it.
  const dilations = (attrs as { dilations?: number | Pair }).dilations ?? 1;
  const scope = new KernelScope(backend as KernelBackend);
  try {
    const xNhwc = dataFormat === "NCHW" ? scope.transpose(x, [0, 2, 3, 1]) : x;
    const dyNhwc = dataFormat === "NCHW" ? scope.transpose(dy, [0, 2, 3, 1]) : dy;
    const info = backend_util.computeConv2DInfo(
      shape4(xNhwc, "Conv2DBackpropFilter: x"),
      filterShape,
      strides,
      dilations,
      pad,
      dimRoundingMode,
      false,
      "channelsLast",
    );
    assertOutShape(info, dyNhwc, "Conv2DBackpropFilter");
    if (isPointwise(info)) {
      const result = pointwiseFilterGrad(scope, backend, xNhwc, dyNhwc, info);
      scope.finish(result);
      return result;
    }
    const simd = fewInputChannels(info, xNhwc, dyNhwc) ? simdKernelsFor(backend) : undefined;
    if (simd !== undefined) {
      const heap = backend as unknown as WasmHeapBackend;
      const result = heap.makeOutput(
        [info.filterHeight, info.filterWidth, info.inChannels, info.outChannels],
        "float32",
      );
      heap.typedArrayFromHeap(result).fill(0);
      simd.convGrad("filter", xNhwc, dyNhwc, result, simdConvDims(info));
      scope.finish(result);
      return result;
    }
    const columns = columnsFit("filter", info, xNhwc, dyNhwc) ? simdKernelsFor(backend) : undefined;
    if (columns !== undefined) {
      const result = columnsFilterGrad(scope, backend, columns, xNhwc, dyNhwc, info);
      scope.finish(result);
      return result;
    }
    const { top, left } = info.padInfo;
    const bottom = trailingPad(
      info.inHeight,
      top,
      info.outHeight,
      info.strideHeight,
      info.filterHeight,
      info.dilationHeight,
    );
    const right = trailingPad(
      info.inWidth,
      left,
      info.outWidth,
      info.strideWidth,
      info.filterWidth,
      info.dilationWidth,
    );

    const xT = scope.transpose(xNhwc, [3, 1, 2, 0]); // [C, H, W, B]
    const dyT = scope.transpose(dyNhwc, [1, 2, 0, 3]); // [oh, ow, B, O]
    const grad = scope.run(
      "Conv2D",
      { x: xT, filter: dyT },
      {
        strides: [info.dilationHeight, info.dilationWidth],
        dilations: [info.strideHeight, info.strideWidth],
        pad: explicitSpatialPadding(top, bottom, left, right),
        dataFormat: "NHWC",
      },
    ); // [C, fh', fw', O]
    const cropped = scope.cropTo(grad, [
      info.inChannels,
      info.filterHeight,
      info.filterWidth,
      info.outChannels,
    ]);
    const result = scope.transpose(cropped, [1, 2, 0, 3]);
    scope.finish(result);
    return result;
  } catch (error) {
    scope.finish();
    throw error;
  }
};

/**
 * The first half of an input gradient as a stride-1 convolution: dy with the forward stride undone
 * (zero insertion: [B, oh, 1, ow, 1, K] padded to [B, oh, sh, ow, sw, K] is [B, oh*sh, ow*sw, K],
 * each value followed by sh - 1 (sw - 1) zeros), and the padding that makes a valid convolution
 * of it with the flipped filter yield exactly H × W (the zeros after the last row and column are
 * folded into it). An amount is negative, a crop, when the forward pass padded a lot explicitly.
 */
function spreadForInputGrad(
  scope: KernelScope,
  dy: TensorInfo,
  info: backend_util.Conv2DInfo,
): { spread: TensorInfo; padTop: number; padBottom: number; padLeft: number; padRight: number } {
  const [batch, oh, ow, depth] = shape4(dy, "input gradient: dy");
  const { strideHeight: sh, strideWidth: sw } = info;
  let spread = dy;
  if (sh > 1 || sw > 1) {
    const dy6 = scope.reshape(dy, [batch, oh, 1, ow, 1, depth]);
    const padded = scope.run(
      "PadV2",
      { x: dy6 },
      {
        paddings: [
          [0, 0],
          [0, 0],
          [0, sh - 1],
          [0, 0],
          [0, sw - 1],
          [0, 0],
        ],
        constantValue: 0,
      },
    );
    spread = scope.reshape(padded, [batch, oh * sh, ow * sw, depth]);
  }
  const effectiveFh = (info.filterHeight - 1) * info.dilationHeight + 1;
  const effectiveFw = (info.filterWidth - 1) * info.dilationWidth + 1;
  const padTop = effectiveFh - 1 - info.padInfo.top;
  const padLeft = effectiveFw - 1 - info.padInfo.left;
  // dyS must be H + effectiveFh - 1 rows long for the valid convolution to yield H rows.
  const padBottom = info.inHeight + effectiveFh - 1 - padTop - oh * sh;
  const padRight = info.inWidth + effectiveFw - 1 - padLeft - ow * sw;
  return { spread, padTop, padBottom, padLeft, padRight };
}

/**
 * dx[b, h, w, c] = sum over i, j, o of dyS[b, h + top - i*dh, w + left - j*dw, o] * f[i, j, c, o],
 * where dyS is dy with (stride - 1) zeros inserted between neighbours (the forward stride undone).
 *
 * That is a stride-1 convolution (dilation = forward dilation) of dyS, padded so the output is
 * exactly H x W, with the spatially flipped filter transposed to [fh, fw, O, C]. tfjs-backend-wasm
 * ships its own Conv2DBackpropInput, but as a plain C++ loop; this runs in XNNPACK's convolution
 * and made LeNet-5 training on wasm several times faster (see the benchmark).
 */
const conv2DBackpropInput: KernelFunc = ({ inputs, attrs, backend }) => {
  const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } =
    attrs as unknown as Conv2DBackpropInputAttrs;
  const dilations = (attrs as { dilations?: number | Pair }).dilations ?? 1;
  const scope = new KernelScope(backend as KernelBackend);
  try {
    const nchw = dataFormat === "NCHW";
    const [batch, height, width, channels] = nchw
      ? [inputShape[0], inputShape[2], inputShape[3], inputShape[1]]
      : inputShape;
    const dyNhwc = nchw ? scope.transpose(dy, [0, 2, 3, 1]) : dy;
    const filterShape = shape4(filter, "Conv2DBackpropInput: filter");
    const info = backend_util.computeConv2DInfo(
      [batch, height, width, channels],
      filterShape,
      strides,
      dilations,
      pad,
      dimRoundingMode,
      false,
      "channelsLast",
    );
    assertOutShape(info, dyNhwc, "Conv2DBackpropInput");
    const simd = fewInputChannels(info, dyNhwc, filter) ? simdKernelsFor(backend) : undefined;
    if (simd !== undefined) {
      const heap = backend as unknown as WasmHeapBackend;
      const dx = heap.makeOutput([batch, height, width, channels], "float32");
      heap.typedArrayFromHeap(dx).fill(0);
      simd.convGrad("input", filter, dyNhwc, dx, simdConvDims(info));
      scope.adopt(dx);
      const result = nchw ? scope.transpose(dx, [0, 3, 1, 2]) : dx;
      scope.finish(result);
      return result;
    }

    const columns = columnsFit("input", info, dyNhwc, filter) ? simdKernelsFor(backend) : undefined;
    if (columns !== undefined) {
      const dx = columnsInputGrad(scope, backend, columns, dyNhwc, filter, info);
      const result = nchw ? scope.transpose(dx, [0, 3, 1, 2]) : dx;
      scope.finish(result);
      return result;
    }

    const { spread, padTop, padBottom, padLeft, padRight } = spreadForInputGrad(
      scope,
      dyNhwc,
      info,
    );
    // Non-negative padding goes straight into the convolution (no padded copy of dy); a negative
    // amount, possible with large explicit forward padding, crops dyS first.
    const cropFirst = Math.min(padTop, padBottom, padLeft, padRight) < 0;
    const framed = cropFirst
      ? scope.padOrCrop(spread, [
          [0, 0],
          [padTop, padBottom],
          [padLeft, padRight],
          [0, 0],
        ])
      : spread;

    const flipped = scope.run("Reverse", { x: filter }, { dims: [0, 1] });
    const filterT = scope.transpose(flipped, [0, 1, 3, 2]); // [fh, fw, O, C]
    const dx = scope.run(
      "Conv2D",
      { x: framed, filter: filterT },
      {
        strides: [1, 1],
        dilations: [info.dilationHeight, info.dilationWidth],
        pad: cropFirst ? "valid" : explicitSpatialPadding(padTop, padBottom, padLeft, padRight),
        dataFormat: "NHWC",
      },
    ); // [B, H, W, C]
    const result = nchw ? scope.transpose(dx, [0, 3, 1, 2]) : dx;
    scope.finish(result);
    return result;
  } catch (error) {
    scope.finish();
    throw error;
  }
};

/**
 * dW[i, j, c, m] = sum over b, y, x of xPadded[b, y*sh + i*dh, x*sw + j*dw, c] * dy[b, y, x, c*M + m].
 *
 * Each input channel has its own filter, so channels cannot become the batch as in the dense case.
 * Instead (c, b) pairs become the channels of a single image: a depthwise convolution of
 * [1, H, W, C*B] with the filter dy rearranged to [oh, ow, C*B, M] (stride = forward dilation,
 * dilation = forward stride) gives one filter gradient per (c, b, m); summing over b finishes it.
 */
const depthwiseBackpropFilter: KernelFunc = ({ inputs, attrs, backend }) => {
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const { strides, dilations, pad, dimRoundingMode, filterShape } =
    attrs as unknown as DepthwiseConv2dNativeBackpropFilterAttrs;
  const scope = new KernelScope(backend as KernelBackend);
  try {
    const [batch, height, width, channels] = shape4(x, "DepthwiseConv2dNativeBackpropFilter: x");
    const info = backend_util.computeConv2DInfo(
      [batch, height, width, channels],
      filterShape,
      strides,
      dilations ?? 1,
      pad,
      dimRoundingMode,
      true,
    );
    assertOutShape(info, dy, "DepthwiseConv2dNativeBackpropFilter");
    const multiplier = filterShape[3];
    const { top, left } = info.padInfo;
    const simd =
      multiplier === 1 && x.dtype === "float32" && dy.dtype === "float32"
        ? simdKernelsFor(backend)
        : undefined;
    if (simd !== undefined) {
      // One SIMD pass over dy, nine (fh·fw) multiply-adds per value, no transposes.
      const heap = backend as unknown as WasmHeapBackend;
      const result = heap.makeOutput([...filterShape], "float32");
      heap.typedArrayFromHeap(result).fill(0);
      simd.depthwiseFilterGrad(x, dy, result, {
        batch,
        height,
        width,
        channels,
        outHeight: info.outHeight,
        outWidth: info.outWidth,
        filterHeight: info.filterHeight,
        filterWidth: info.filterWidth,
        strideHeight: info.strideHeight,
        strideWidth: info.strideWidth,
        dilationHeight: info.dilationHeight,
        dilationWidth: info.dilationWidth,
        top,
        left,
      });
      return result;
    }
    const bottom = trailingPad(
      height,
      top,
      info.outHeight,
      info.strideHeight,
      info.filterHeight,
      info.dilationHeight,
    );
    const right = trailingPad(
      width,
      left,
      info.outWidth,
      info.strideWidth,
      info.filterWidth,
      info.dilationWidth,
    );

    const xT = scope.reshape(scope.transpose(x, [1, 2, 3, 0]), [
      1,
      height,
      width,
      channels * batch,
    ]); // channel c*B + b
    const dy5 = scope.reshape(dy, [batch, info.outHeight, info.outWidth, channels, multiplier]);
    const dyT = scope.reshape(scope.transpose(dy5, [1, 2, 3, 0, 4]), [
      info.outHeight,
      info.outWidth,
      channels * batch,
      multiplier,
    ]);
    const grad = scope.run(
      "DepthwiseConv2dNative",
      { x: xT, filter: dyT },
      {
        strides: [info.dilationHeight, info.dilationWidth],
        dilations: [info.strideHeight, info.strideWidth],
        pad: explicitSpatialPadding(top, bottom, left, right),
        dataFormat: "NHWC",
      },
    ); // [1, fh', fw', C*B*M], channel (c*B + b)*M + m
    const cropped = scope.cropTo(grad, [
      1,
      info.filterHeight,
      info.filterWidth,
      channels * batch * multiplier,
    ]);
    const perBatch = scope.reshape(cropped, [
      info.filterHeight,
      info.filterWidth,
      channels,
      batch,
      multiplier,
    ]);
    const summed =
      batch === 1 ? perBatch : scope.run("Sum", { x: perBatch }, { axis: [3], keepDims: false });
    const result = scope.reshape(summed, filterShape);
    scope.finish(result);
    return result;
  } catch (error) {
    scope.finish();
    throw error;
  }
};

/**
 * dx[b, h, w, c] = sum over i, j, m of dyS[b, h + top - i*dh, w + left - j*dw, c*M + m] * f[i, j, c, m],
 * where dyS is dy with (stride - 1) zeros inserted between neighbours (the forward stride undone).
 *
 * That is a stride-1 depthwise convolution (dilation = forward dilation, multiplier 1) of dyS,
 * padded so the output is exactly H x W, with the spatially flipped filter laid out as
 * [fh, fw, C*M, 1]; summing its C*M channels over m gives dx.
 */
const depthwiseBackpropInput: KernelFunc = ({ inputs, attrs, backend }) => {
  const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
  const { strides, dilations, pad, dimRoundingMode, inputShape } =
    attrs as unknown as DepthwiseConv2dNativeBackpropInputAttrs;
  const scope = new KernelScope(backend as KernelBackend);
  try {
    const filterShape = shape4(filter, "DepthwiseConv2dNativeBackpropInput: filter");
    const info = backend_util.computeConv2DInfo(
      inputShape,
      filterShape,
      strides,
      dilations ?? 1,
      pad,
      dimRoundingMode,
      true,
    );
    assertOutShape(info, dy, "DepthwiseConv2dNativeBackpropInput");
    const [batch, height, width, channels] = inputShape;
    const [, , , multiplier] = filterShape;
    const depth = channels * multiplier;
    const { outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw } = info;
    const simd =
      multiplier === 1 && dy.dtype === "float32" && filter.dtype === "float32"
        ? simdKernelsFor(backend)
        : undefined;
    if (simd !== undefined) {
      // Each dy value scattered through the fh·fw taps in one SIMD pass: no zero-inserted copy of
      // dy for strides > 1, no flipped filter.
      const heap = backend as unknown as WasmHeapBackend;
      const result = heap.makeOutput([...inputShape], "float32");
      heap.typedArrayFromHeap(result).fill(0);
      simd.depthwiseInputGrad(filter, dy, result, {
        batch,
        height,
        width,
        channels,
        outHeight: oh,
        outWidth: ow,
        filterHeight: info.filterHeight,
        filterWidth: info.filterWidth,
        strideHeight: sh,
        strideWidth: sw,
        dilationHeight: info.dilationHeight,
        dilationWidth: info.dilationWidth,
        top: info.padInfo.top,
        left: info.padInfo.left,
      });
      return result;
    }

    const { spread, padTop, padBottom, padLeft, padRight } = spreadForInputGrad(scope, dy, info);
    const framed = scope.padOrCrop(spread, [
      [0, 0],
      [padTop, padBottom],
      [padLeft, padRight],
      [0, 0],
    ]);

    const flipped = scope.run("Reverse", { x: filter }, { dims: [0, 1] });
    const filterFlat = scope.reshape(flipped, [info.filterHeight, info.filterWidth, depth, 1]);
    const perChannel = scope.run(
      "DepthwiseConv2dNative",
      { x: framed, filter: filterFlat },
      {
        strides: [1, 1],
        dilations: [info.dilationHeight, info.dilationWidth],
        pad: "valid",
        dataFormat: "NHWC",
      },
    ); // [B, H, W, C*M]
    const result =
      multiplier === 1
        ? perChannel
        : scope.run(
            "Sum",
            { x: scope.reshape(perChannel, [batch, height, width, channels, multiplier]) },
            { axis: [4], keepDims: false },
          );
    scope.finish(result);
    return result;
  } catch (error) {
    scope.finish();
    throw error;
  }
};

/**
 * dx of max pooling: each window's gradient goes to the first position (row-major within the
 * window) holding the window's maximum, exactly as the cpu backend and TensorFlow do.
 *
 * The wasm backend's own MaxPoolGrad is a scalar C++ loop that revisits every window for every
 * input pixel (≈14 ms for LeNet-5's first pooling layer at batch 64, a third of a training step).
 * No composition of wasm kernels gives "first maximum" semantics cheaply, so this one loops in
 * JavaScript directly over the wasm heap: one pass over the windows, channels innermost (NHWC
 * keeps them contiguous), ≈20× faster.
 */
const maxPoolGrad: KernelFunc = ({ inputs, attrs, backend }) => {
  const { dy, input } = inputs as { dy: TensorInfo; input: TensorInfo };
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as MaxPoolGradAttrs;
  const info = backend_util.computePool2DInfo(
    shape4(input, "MaxPoolGrad: input"),
    filterSize,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  assertOutShape(info, dy, "MaxPoolGrad");
  const heap = backend as unknown as WasmHeapBackend;
  const dx = heap.makeOutput([...input.shape], "float32");
  // Views only after the allocation: growing the wasm heap detaches views taken before it.
  const xs = heap.typedArrayFromHeap(input);
  const dys = heap.typedArrayFromHeap(dy);
  const dxs = heap.typedArrayFromHeap(dx);
  dxs.fill(0);
  const {
    batchSize,
    inHeight,
    inWidth,
    inChannels: channels,
    outHeight,
    outWidth,
    strideHeight,
    strideWidth,
  } = info;
  const { dilationHeight, dilationWidth, effectiveFilterHeight, effectiveFilterWidth } = info;
  const { top, left } = info.padInfo;
  if (
    effectiveFilterHeight === 2 &&
    effectiveFilterWidth === 2 &&
    strideHeight === 2 &&
    strideWidth === 2 &&
    top === 0 &&
    left === 0 &&
    outHeight * 2 <= inHeight &&
    outWidth * 2 <= inWidth
  ) {
    const simd = simdKernelsFor(backend);
    if (simd !== undefined && input.dtype === "float32" && dy.dtype === "float32")
      simd.maxPool2x2Grad(input, dy, dx);
    else maxPool2x2Grad(xs, dys, dxs, info);
    return dx;
  }
  const best = new Float32Array(channels);
  const bestAt = new Int32Array(channels);
  for (let b = 0; b < batchSize; b++) {
    const xBatch = b * inHeight * inWidth * channels;
    for (let yR = 0; yR < outHeight; yR++) {
      const rCorner = yR * strideHeight - top;
      let rMin = rCorner;
      while (rMin < 0) rMin += dilationHeight;
      const rMax = Math.min(inHeight, rCorner + effectiveFilterHeight);
      for (let yC = 0; yC < outWidth; yC++) {
        const cCorner = yC * strideWidth - left;
        let cMin = cCorner;
        while (cMin < 0) cMin += dilationWidth;
        const cMax = Math.min(inWidth, cCorner + effectiveFilterWidth);
        // The first tap seeds the search (no per-window fill); a -Infinity or NaN there must not
        // win, exactly as with a search starting from -Infinity and a strict ">".
        let first = true;
        for (let r = rMin; r < rMax; r += dilationHeight) {
          for (let c = cMin; c < cMax; c += dilationWidth) {
            const pixel = xBatch + (r * inWidth + c) * channels;
            if (first) {
              for (let d = 0; d < channels; d++) {
                const value = xs[pixel + d]!;
                const valid = value > Number.NEGATIVE_INFINITY;
                best[d] = valid ? value : Number.NEGATIVE_INFINITY;
                bestAt[d] = valid ? pixel + d : -1;
              }
              first = false;
              continue;
            }
            for (let d = 0; d < channels; d++) {
              const value = xs[pixel + d]!;
              if (value > best[d]!) {
                best[d] = value;
                bestAt[d] = pixel + d;
              }
            }
          }
        }
        if (first) continue; // a window entirely in the padding
        const dyAt = ((b * outHeight + yR) * outWidth + yC) * channels;
        for (let d = 0; d < channels; d++) {
          const at = bestAt[d]!;
          if (at >= 0) dxs[at] = dxs[at]! + dys[dyAt + d]!;
        }
      }
    }
  }
  return dx;
};

/**
 * The common 2×2, stride-2 pooling with whole windows (LeNet, VGG): windows do not overlap, so each
 * dx element gets at most one window's gradient, and the four taps are compared unrolled, in the
 * same order and with the same rules as the general loop (first maximum wins; a -Infinity or NaN
 * first tap never does). CPU time at batch 32 against the general loop: 0.52 vs 0.70 ms on
 * LeNet-5's first pooling layer, 0.06 vs 0.19 ms on its second.
 */
function maxPool2x2Grad(
  xs: Float32Array,
  dys: Float32Array,
  dxs: Float32Array,
  info: backend_util.Conv2DInfo,
): void {
  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth } = info;
  const row = inWidth * channels;
  let dyAt = 0;
  for (let b = 0; b < batchSize; b++) {
    const xBatch = b * inHeight * row;
    for (let yR = 0; yR < outHeight; yR++) {
      const rowBase = xBatch + 2 * yR * row;
      for (let yC = 0; yC < outWidth; yC++) {
        const p00 = rowBase + 2 * yC * channels;
        const p01 = p00 + channels;
        const p10 = p00 + row;
        const p11 = p10 + channels;
        for (let d = 0; d < channels; d++, dyAt++) {
          const a = xs[p00 + d]!;
          // False for NaN too: such a first tap seeds nothing.
          const seeds = a > Number.NEGATIVE_INFINITY;
          let best = Number.NEGATIVE_INFINITY;
          let at = -1;
          if (seeds) {
            best = a;
            at = p00 + d;
          }
          const v01 = xs[p01 + d]!;
          if (v01 > best) {
            best = v01;
            at = p01 + d;
          }
          const v10 = xs[p10 + d]!;
          if (v10 > best) {
            best = v10;
            at = p10 + d;
          }
          if (xs[p11 + d]! > best) at = p11 + d;
          if (at >= 0) dxs[at] = dys[dyAt]!;
        }
      }
    }
  }
}

/** Products up to this many multiply-adds take the SIMD module's gemm (LeNet-5's fc1: 1.5M). */
const MAX_SIMD_GEMM_MULTIPLY_ADDS = 1 << 22;

/**
 * matMul on wasm. A product of tensors without batch (every leading axis 1) up to
 * MAX_SIMD_GEMM_MULTIPLY_ADDS runs in the SIMD module's gemm: in a training step both operands are
 * new tensors every time, and XNNPACK packs its second operand into a new operator first, which
 * for dense layers' small products costs more than the product, and more again on two threads.
 * The rest goes to the backend's kernel with transposes made explicit: with transposeA or
 * transposeB it takes a slow path (4× to 7× slower for LeNet-5's dense-layer gradients), while
 * transposing the operand with the wasm Transpose kernel and multiplying untransposed is fast.
 */
function fastBatchMatMul(original: KernelFunc): KernelFunc {
  const withTransposes = explicitTransposes(original);
  return (args) => {
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    const { transposeA, transposeB } = args.attrs as unknown as BatchMatMulAttrs;
    const product = smallProduct(a, b, transposeA, transposeB);
    const simd = product === undefined ? undefined : simdKernelsFor(args.backend);
    if (product === undefined || simd === undefined) return withTransposes(args);
    const scope = new KernelScope(args.backend as KernelBackend);
    try {
      const heap = args.backend as unknown as WasmHeapBackend;
      const bKN = transposeB ? scope.transpose(b, swapLastTwo(b.shape.length)) : b;
      const out = heap.makeOutput(product.shape, "float32");
      simd.gemm(a, bKN, out, transposeA);
      scope.finish(out);
      return out;
    } catch (error) {
      scope.finish();
      throw error;
    }
  };
}

function swapLastTwo(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm.splice(-2, 2, rank - 1, rank - 2);
  return perm;
}

/** The output shape of a float32 product without batch and small enough for the SIMD gemm. */
function smallProduct(
  a: TensorInfo,
  b: TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
): { shape: number[] } | undefined {
  if (a.dtype !== "float32" || b.dtype !== "float32") return undefined;
  if (a.shape.length < 2 || b.shape.length < 2) return undefined;
  const unbatched = (x: TensorInfo) => x.shape.slice(0, -2).every((d) => d === 1);
  if (!unbatched(a) || !unbatched(b)) return undefined;
  const [aRows, aCols] = a.shape.slice(-2) as [number, number];
  const [bRows, bCols] = b.shape.slice(-2) as [number, number];
  const [m, k] = transposeA ? [aCols, aRows] : [aRows, aCols];
  const [k2, n] = transposeB ? [bCols, bRows] : [bRows, bCols];
  // gemm's SIMD blocks are 8 columns wide; narrower products are scalar, fine only when tiny.
  const multiplyAdds = m * k * n;
  if (k !== k2 || multiplyAdds > MAX_SIMD_GEMM_MULTIPLY_ADDS) return undefined;
  if (n < 8 && multiplyAdds > 1 << 16) return undefined;
  const leading = (a.shape.length >= b.shape.length ? a : b).shape.slice(0, -2);
  return { shape: [...leading, m, n] };
}

function explicitTransposes(original: KernelFunc): KernelFunc {
  return ({ inputs, attrs, backend }) => {
    const { a, b } = inputs as { a: TensorInfo; b: TensorInfo };
    const { transposeA, transposeB } = attrs as unknown as BatchMatMulAttrs;
    if (!transposeA && !transposeB) return original({ inputs, attrs, backend });
    const scope = new KernelScope(backend as KernelBackend);
    try {
      const swapLast = (x: TensorInfo) => scope.transpose(x, swapLastTwo(x.shape.length));
      const result = original({
        inputs: { a: transposeA ? swapLast(a) : a, b: transposeB ? swapLast(b) : b },
        attrs: { ...attrs, transposeA: false, transposeB: false },
        backend,
      }) as TensorInfo;
      scope.finish();
      return result;
    } catch (error) {
      scope.finish();
      throw error;
    }
  };
}

/** Name of the fused Adam update kernel (ours, not a tfjs kernel). */
export const ADAM_UPDATE_KERNEL = "TlabAdamUpdate";

export interface AdamUpdateAttrs {
  /** Step size already including any schedule factor. */
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** 1-based number of this update, for Adam's bias correction. */
  step: number;
}

/**
 * One Adam update of one variable, fused: (x, g, m, v) → (x', m', v') with
 *   m' = β1·m + (1-β1)·g,  v' = β2·v + (1-β2)·g²,
 *   x' = x - lr · (m' / (1-β1^t)) / (sqrt(v' / (1-β2^t)) + ε),
 * the formula of tfjs's AdamOptimizer. tfjs runs it as about fifteen kernels per variable (plus
 * scalar bookkeeping), each with its own dispatch cost; LeNet-5 has ten variables, so the update
 * was ~10% of a training step. This is one pass over the wasm heap in JavaScript (element-wise,
 * nothing to compose) writing three new buffers, so snapshots of the old values stay valid.
 */
const adamUpdate: KernelFunc = ({ inputs, attrs, backend }) => {
  const { x, g, m, v } = inputs as { x: TensorInfo; g: TensorInfo; m: TensorInfo; v: TensorInfo };
  const { learningRate, beta1, beta2, epsilon, step } = attrs as unknown as AdamUpdateAttrs;
  for (const [name, info] of Object.entries({ g, m, v })) {
    if (info.shape.join() !== x.shape.join()) {
      throw new Error(
        `${ADAM_UPDATE_KERNEL}: ${name} has shape [${info.shape.join(", ")}], the variable [${x.shape.join(", ")}]`,
      );
    }
  }
  const heap = backend as unknown as WasmHeapBackend;
  const outX = heap.makeOutput([...x.shape], "float32");
  const outM = heap.makeOutput([...x.shape], "float32");
  const outV = heap.makeOutput([...x.shape], "float32");
  const firstCorrection = 1 / (1 - beta1 ** step);
  const secondCorrection = 1 / (1 - beta2 ** step);
  const simd = [x, g, m, v].every((t) => t.dtype === "float32")
    ? simdKernelsFor(backend)
    : undefined;
  if (simd !== undefined) {
    // The same formula in float32 SIMD lanes (tfjs's own Adam computes in float32 too).
    simd.adam(
      { x, g, m, v, xOut: outX, mOut: outM, vOut: outV },
      { learningRate, beta1, beta2, firstCorrection, secondCorrection, epsilon },
    );
    return [outX, outM, outV];
  }
  const [xs, gs, ms, vs, xo, mo, vo] = [x, g, m, v, outX, outM, outV].map((info) =>
    heap.typedArrayFromHeap(info),
  );
  for (let i = 0; i < xs!.length; i++) {
    const grad = gs![i]!;
    const first = beta1 * ms![i]! + (1 - beta1) * grad;
    const second = beta2 * vs![i]! + (1 - beta2) * grad * grad;
    mo![i] = first;
    vo![i] = second;
    xo![i] =
      xs![i]! -
      (learningRate * first * firstCorrection) / (Math.sqrt(second * secondCorrection) + epsilon);
  }
  return [outX, outM, outV];
};

/**
 * Tile by block copies. The wasm backend's Tile computes every output element's source index
 * (~100 ns per element): tfjs-core's BatchNormalization gradient tiles per-channel statistics to
 * the full activation shape, and on MobileNetV2 that was 13% of a training step. Here each input
 * row is copied once and every repetition is a native copyWithin of a whole block, from the
 * innermost axis outwards.
 */
const tile: KernelFunc = ({ inputs, attrs, backend }) => {
  const { x } = inputs as { x: TensorInfo };
  const { reps } = attrs as unknown as TileAttrs;
  if (reps.length !== x.shape.length)
    throw new Error(`Tile: reps has ${reps.length} entries, x has rank ${x.shape.length}`);
  const heap = backend as unknown as WasmHeapBackend;
  const outShape = x.shape.map((d, i) => d * reps[i]!);
  const out = heap.makeOutput(outShape, x.dtype);
  if (outShape.some((d) => d === 0)) return out;
  const source = heap.typedArrayFromHeap(x);
  const target = heap.typedArrayFromHeap(out);
  const rank = x.shape.length;
  if (rank === 0) {
    target[0] = source[0]!;
    return out;
  }
  // Elements per step along each axis, in the input and in the output.
  const inStride = new Array<number>(rank);
  const outStride = new Array<number>(rank);
  inStride[rank - 1] = 1;
  outStride[rank - 1] = 1;
  for (let axis = rank - 2; axis >= 0; axis--) {
    inStride[axis] = inStride[axis + 1]! * x.shape[axis + 1]!;
    outStride[axis] = outStride[axis + 1]! * outShape[axis + 1]!;
  }
  /** Fills the output block at `at` (one index of axes < axis) from the input block at `from`. */
  const fill = (axis: number, from: number, at: number): void => {
    const size = x.shape[axis]!;
    if (axis === rank - 1) {
      target.set(source.subarray(from, from + size), at);
    } else {
      for (let i = 0; i < size; i++)
        fill(axis + 1, from + i * inStride[axis]!, at + i * outStride[axis]!);
    }
    // The block of this axis's input extent is complete: repeat it reps[axis] - 1 more times.
    const block = size * outStride[axis]!;
    for (let r = 1; r < reps[axis]!; r++) target.copyWithin(at + r * block, at, at + block);
  };
  fill(0, 0, 0);
  return out;
};

/** Kernels tfjs-backend-wasm 4.22 lacks. */
const MISSING_KERNELS: ReadonlyArray<{ kernelName: string; kernelFunc: KernelFunc }> = [
  { kernelName: "Conv2DBackpropFilter", kernelFunc: conv2DBackpropFilter },
  { kernelName: "DepthwiseConv2dNativeBackpropFilter", kernelFunc: depthwiseBackpropFilter },
  { kernelName: "DepthwiseConv2dNativeBackpropInput", kernelFunc: depthwiseBackpropInput },
  { kernelName: ADAM_UPDATE_KERNEL, kernelFunc: adamUpdate },
  ...ELEMENTWISE_KERNELS,
];

/** Kernels tfjs-backend-wasm ships as slow scalar loops, replaced by faster ones. */
const REPLACED_KERNELS: ReadonlyArray<{ kernelName: string; kernelFunc: KernelFunc }> = [
  { kernelName: "Conv2DBackpropInput", kernelFunc: conv2DBackpropInput },
  { kernelName: "MaxPoolGrad", kernelFunc: maxPoolGrad },
  { kernelName: "Tile", kernelFunc: tile },
  ...REPLACED_ELEMENTWISE_KERNELS,
];

/** Kernels kept, but called with different arguments on their slow paths. */
const WRAPPED_KERNELS: ReadonlyArray<{
  kernelName: string;
  wrap: (original: KernelFunc) => KernelFunc;
}> = [{ kernelName: "BatchMatMul", wrap: fastBatchMatMul }, ...WRAPPED_ELEMENTWISE_KERNELS];

/** Every kernel this module registers for wasm: missing, replaced and wrapped. */
export const WASM_TRAINING_KERNELS = [
  ...MISSING_KERNELS,
  ...REPLACED_KERNELS,
  ...WRAPPED_KERNELS,
].map((k) => k.kernelName);

/** Kernel functions registered by this module, so a second registration can recognise them. */
const ours = new WeakSet<KernelFunc>();

/**
 * Registers the training kernels for the "wasm" backend. Idempotent and silent: a missing kernel
 * already registered (by an earlier call, or by a future tfjs release that ships its own) is left
 * alone, and a replaced kernel is swapped only while it is not ours yet, so tfjs never warns about
 * duplicate registrations. Call it before the wasm backend initialises (the replaced kernels'
 * own setup then never runs, which is fine: nothing calls them). These kernels need no setup, and
 * the kernels they call are looked up at run time.
 */
export function registerWasmTrainingKernels(): void {
  for (const { kernelName, kernelFunc } of MISSING_KERNELS) {
    if (getKernel(kernelName, BACKEND) === undefined) {
      registerKernel({ kernelName, backendName: BACKEND, kernelFunc });
    }
  }
  for (const { kernelName, kernelFunc } of REPLACED_KERNELS) {
    const current = getKernel(kernelName, BACKEND);
    if (current?.kernelFunc === kernelFunc) continue;
    if (current !== undefined) unregisterKernel(kernelName, BACKEND);
    registerKernel({ kernelName, backendName: BACKEND, kernelFunc });
  }
  for (const { kernelName, wrap } of WRAPPED_KERNELS) {
    const current = getKernel(kernelName, BACKEND);
    if (current === undefined || ours.has(current.kernelFunc)) continue;
    const kernelFunc = wrap(current.kernelFunc);
    ours.add(kernelFunc);
    // The original's setup (binding its wasm function) still has to run when the backend starts.
    const config: KernelConfig = { ...current, kernelFunc };
    unregisterKernel(kernelName, BACKEND);
    registerKernel(config);
  }
  // Gradients that call the kernels above on wasm and stay unchanged on every other backend.
  registerFastGradients();
}
