import type { InputPreprocessing } from "@tlab/core/layers-model-json";

/** [height, width, channels] of one image, channels last. */
export type ImageShape = [number, number, number];

export interface SourceImages {
  /** count × height × width × channels values, NHWC. */
  data: Uint8Array | Float32Array;
  shape: ImageShape;
  /** Multiplies a stored value into [0, 1]: 1/255 for uint8 pixels, 1 for values already in [0, 1]. */
  scale: number;
}

/**
 * Converts images to a base model's input: bilinear resize (half-pixel centres, like
 * tf.image.resizeBilinear with halfPixelCenters) to the model's height × width, channels 1 → 3 by
 * repetition and 3 → 1 by luma (ITU-R BT.601), then values from [0, 1] to the model's input range
 * and, when recorded, per-channel (x - mean) / std. `indices` picks and orders the images.
 */
export function toModelInput(
  source: SourceImages,
  indices: ArrayLike<number>,
  target: ImageShape,
  preprocessing: InputPreprocessing,
): Float32Array {
  const [sh, sw, sc] = source.shape;
  const [th, tw, tc] = target;
  const [lo, hi] = preprocessing.inputRange;
  const gain = (hi - lo) * source.scale;
  const mean = Array.from(
    { length: tc },
    (_, c) => preprocessing.mean?.[Math.min(c, preprocessing.mean.length - 1)] ?? 0,
  );
  const invStd = Array.from(
    { length: tc },
    (_, c) => 1 / (preprocessing.std?.[Math.min(c, preprocessing.std.length - 1)] ?? 1),
  );
  const ys = axisSamples(sh, th);
  const xs = axisSamples(sw, tw);
  const srcPixels = sh * sw * sc;
  const dstPixels = th * tw * tc;
  const out = new Float32Array(indices.length * dstPixels);
  const identitySize = sh === th && sw === tw;
  const pixel = new Float32Array(3);
  const data = source.data;
  for (let n = 0; n < indices.length; n++) {
    const base = indices[n]! * srcPixels;
    let o = n * dstPixels;
    for (let y = 0; y < th; y++) {
      const { i0: y0, i1: y1, f: fy } = ys[y]!;
      for (let x = 0; x < tw; x++) {
        const { i0: x0, i1: x1, f: fx } = xs[x]!;
        if (identitySize) {
          const at = base + (y * sw + x) * sc;
          for (let c = 0; c < sc; c++) pixel[c] = data[at + c]!;
        } else {
          const a = base + (y0 * sw + x0) * sc;
          const b = base + (y0 * sw + x1) * sc;
          const d = base + (y1 * sw + x0) * sc;
          const e = base + (y1 * sw + x1) * sc;
          for (let c = 0; c < sc; c++) {
            const top = data[a + c]! + (data[b + c]! - data[a + c]!) * fx;
            const bottom = data[d + c]! + (data[e + c]! - data[d + c]!) * fx;
            pixel[c] = top + (bottom - top) * fy;
          }
        }
        if (tc === sc) {
          for (let c = 0; c < tc; c++) out[o + c] = (lo + pixel[c]! * gain - mean[c]!) * invStd[c]!;
        } else if (tc === 3) {
          const v = lo + pixel[0]! * gain;
          for (let c = 0; c < 3; c++) out[o + c] = (v - mean[c]!) * invStd[c]!;
        } else {
          const luma = 0.299 * pixel[0]! + 0.587 * pixel[1]! + 0.114 * pixel[2]!;
          out[o] = (lo + luma * gain - mean[0]!) * invStd[0]!;
        }
        o += tc;
      }
    }
  }
  return out;
}

/** For each output coordinate: the two source coordinates it falls between and the weight of the second. */
function axisSamples(from: number, to: number): Array<{ i0: number; i1: number; f: number }> {
  const ratio = from / to;
  return Array.from({ length: to }, (_, i) => {
    const position = Math.min(Math.max((i + 0.5) * ratio - 0.5, 0), from - 1);
    const i0 = Math.floor(position);
    return { i0, i1: Math.min(i0 + 1, from - 1), f: position - i0 };
  });
}
