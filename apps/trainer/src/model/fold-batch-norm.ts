/**
 * Inference-mode BatchNormalization as arithmetic on weights. At inference a BN layer is a fixed
 * per-channel affine map, y = x·s + o with s = γ/√(σ²+ε) and o = β − μ·s, so it can run as one
 * multiply-add or, when it directly follows a convolution or dense layer, disappear into that
 * layer's kernel and bias. Computed in float64 and rounded once to float32, so the folded weights
 * are as close to the unfolded chain as float32 allows.
 */

export interface BatchNormParams {
  /** Absent when the layer was built with scale: false (γ = 1). */
  gamma?: Float32Array;
  /** Absent when the layer was built with center: false (β = 0). */
  beta?: Float32Array;
  movingMean: Float32Array;
  movingVariance: Float32Array;
  epsilon: number;
}

export function batchNormScaleOffset(bn: BatchNormParams): {
  scale: Float32Array;
  offset: Float32Array;
} {
  const channels = bn.movingMean.length;
  assertLength("moving variance", bn.movingVariance, channels);
  if (bn.gamma) assertLength("gamma", bn.gamma, channels);
  if (bn.beta) assertLength("beta", bn.beta, channels);
  const scale = new Float32Array(channels);
  const offset = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    const s = (bn.gamma?.[c] ?? 1) / Math.sqrt(bn.movingVariance[c]! + bn.epsilon);
    scale[c] = s;
    offset[c] = (bn.beta?.[c] ?? 0) - bn.movingMean[c]! * s;
  }
  return { scale, offset };
}

/**
 * Folds a BN that reads a layer's pre-activation output into that layer's weights:
 * w' = w·s per output channel, b' = β + (b − μ)·s. `kernel` is laid out with the output channel
 * as its fastest-varying index, which holds for every layer this is used on: Conv2D
 * [kh, kw, in, out], Dense [in, units] and DepthwiseConv2D [kh, kw, in, multiplier], whose output
 * channel c·multiplier + m is exactly the flat index of its last two dimensions.
 */
export function foldBatchNorm(
  kernel: Float32Array,
  bias: Float32Array | undefined,
  bn: BatchNormParams,
): { kernel: Float32Array; bias: Float32Array } {
  const channels = bn.movingMean.length;
  if (channels === 0 || kernel.length % channels !== 0) {
    throw new Error(
      `cannot fold a BatchNormalization of ${channels} channels into a kernel of ${kernel.length} values`,
    );
  }
  if (bias) assertLength("bias", bias, channels);
  assertLength("moving variance", bn.movingVariance, channels);
  const scale = new Float64Array(channels);
  const foldedBias = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    const s = (bn.gamma?.[c] ?? 1) / Math.sqrt(bn.movingVariance[c]! + bn.epsilon);
    scale[c] = s;
    foldedBias[c] = (bn.beta?.[c] ?? 0) + ((bias?.[c] ?? 0) - bn.movingMean[c]!) * s;
  }
  const folded = new Float32Array(kernel.length);
  for (let i = 0; i < kernel.length; i++) folded[i] = kernel[i]! * scale[i % channels]!;
  return { kernel: folded, bias: foldedBias };
}

function assertLength(what: string, values: Float32Array, channels: number): void {
  if (values.length !== channels)
    throw new Error(`BatchNormalization ${what} has ${values.length} values, expected ${channels}`);
}
