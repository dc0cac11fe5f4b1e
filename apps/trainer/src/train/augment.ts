import type { Augmentation } from "@tlab/core/experiment";
import { mulberry32 } from "../data/seeded-random";
import { tf } from "../tf/backend";

/**
 * Random image augmentation for training batches. Every random choice is drawn in JavaScript from
 * one seed per batch, so a run repeats exactly; the pixels are moved by tensor ops on the backend
 * (one projective transform per batch for flip + rotation + shift, then one add and clip for
 * brightness), which keeps it cheap next to a training step.
 *
 * Images are in the base model's input space: pixels scaled from [0, 1] to the model's input
 * range and maybe normalized per channel. `levels` says where black (pixel 0) and white (pixel 1)
 * land in that space, per channel (default: 0 and 1, i.e. plain unit range). Brightness is a
 * fraction of the black-to-white range and the result is clipped to it; areas moved in from
 * outside the image are black, the background of MNIST-like data.
 */

/** Model-space values of a black and a white pixel, one entry per channel (or one for all). */
export interface PixelLevels {
  black: number[];
  white: number[];
}

export const UNIT_LEVELS: PixelLevels = { black: [0], white: [1] };

/** Pixel levels for images scaled to `inputRange` and then normalized as (x - mean) / std per channel. */
export function pixelLevels(
  preprocessing: { inputRange: [number, number]; mean?: number[]; std?: number[] },
  channels: number,
): PixelLevels {
  const [lo, hi] = preprocessing.inputRange;
  const at = (values: number[] | undefined, c: number, fallback: number) =>
    values?.[Math.min(c, values.length - 1)] ?? fallback;
  const level = (value: number) =>
    Array.from(
      { length: channels },
      (_, c) => (value - at(preprocessing.mean, c, 0)) / at(preprocessing.std, c, 1),
    );
  return { black: level(lo), white: level(hi) };
}

export function isAugmenting(options: Augmentation): boolean {
  return (
    options.flipHorizontal ||
    options.shiftPixels > 0 ||
    options.rotateDegrees > 0 ||
    options.brightness > 0
  );
}

export interface AugmentParams {
  flip: boolean;
  /** Counter-clockwise rotation in degrees. */
  degrees: number;
  /** Whole-pixel translation; positive moves the content right / down. */
  shiftX: number;
  shiftY: number;
  /** Added to every pixel, as a fraction of the unit range. */
  brightness: number;
}

/** The random choices for a batch of `count` images, a pure function of the seed. */
export function drawAugmentParams(
  options: Augmentation,
  count: number,
  seed: number,
): AugmentParams[] {
  const random = mulberry32(seed);
  const uniform = (max: number) => (max > 0 ? (2 * random() - 1) * max : 0);
  const wholePixels = (max: number) => (max > 0 ? Math.floor(random() * (2 * max + 1)) - max : 0);
  return Array.from({ length: count }, () => ({
    flip: options.flipHorizontal ? random() < 0.5 : false,
    degrees: uniform(options.rotateDegrees),
    shiftX: wholePixels(options.shiftPixels),
    shiftY: wholePixels(options.shiftPixels),
    brightness: uniform(options.brightness),
  }));
}

/**
 * The inverse mapping tf.image.transform wants (output pixel → input pixel) for the forward map
 * "flip about the vertical centre line, rotate about the centre, then shift", in pixel-centre
 * coordinates. With q = p - centre: q_out = R·F·q_in + t, so q_in = F·R⁻¹·(q_out - t).
 */
export function inverseTransform(p: AugmentParams, height: number, width: number): number[] {
  const cx = (width - 1) / 2;
  const cy = (height - 1) / 2;
  const theta = (p.degrees * Math.PI) / 180;
  // Image rows grow downwards, so a counter-clockwise turn on screen is clockwise in (x, y).
  const cos = Math.cos(theta);
  const sin = -Math.sin(theta);
  const f = p.flip ? -1 : 1;
  const ox = cx + p.shiftX;
  const oy = cy + p.shiftY;
  // x_in = f·( cos·(x - ox) + sin·(y - oy)) + cx ;  y_in = -sin·(x - ox) + cos·(y - oy) + cy
  return [
    f * cos,
    f * sin,
    cx - f * (cos * ox + sin * oy),
    -sin,
    cos,
    cy + sin * ox - cos * oy,
    0,
    0,
  ];
}

/** Augments a batch [B, H, W, C] of images in model space (see PixelLevels); returns a new tensor. */
export function augmentBatch(
  images: tf.Tensor4D,
  options: Augmentation,
  seed: number,
  levels: PixelLevels = UNIT_LEVELS,
): tf.Tensor4D {
  const [count, height, width, channels] = images.shape;
  const params = drawAugmentParams(options, count, seed);
  const perChannel = (values: number[]) =>
    Array.from({ length: channels }, (_, c) => values[Math.min(c, values.length - 1)]!);
  const black = perChannel(levels.black);
  const white = perChannel(levels.white);
  const uniform = (values: number[]) => values.every((v) => v === values[0]);
  const channelTensor = (values: number[]) => tf.tensor4d(values, [1, 1, 1, channels]);
  return tf.tidy(() => {
    let out = images;
    const moves = options.flipHorizontal || options.shiftPixels > 0 || options.rotateDegrees > 0;
    if (moves) {
      const transforms = tf.tensor2d(
        params.flatMap((p) => inverseTransform(p, height, width)),
        [count, 8],
      );
      // Bilinear only when something rotates: whole-pixel shifts and flips land exactly on pixels.
      const interpolation = options.rotateDegrees > 0 ? "bilinear" : "nearest";
      if (uniform(black)) {
        out = tf.image.transform(out, transforms, interpolation, "constant", black[0]!);
      } else {
        // The fill value is one number for all channels: shift black to 0, move, shift back.
        const offset = channelTensor(black);
        out = tf.add(
          tf.image.transform(
            tf.sub(out, offset) as tf.Tensor4D,
            transforms,
            interpolation,
            "constant",
            0,
          ),
          offset,
        );
      }
    }
    if (options.brightness > 0) {
      const span = white.map((w, c) => w - black[c]!);
      const delta = tf.mul(
        tf.tensor4d(
          params.map((p) => p.brightness),
          [count, 1, 1, 1],
        ),
        uniform(span) ? span[0]! : channelTensor(span),
      );
      const low = black.map((b, c) => Math.min(b, white[c]!));
      const high = black.map((b, c) => Math.max(b, white[c]!));
      const brighter = tf.add(out, delta);
      out = (
        uniform(low) && uniform(high)
          ? tf.clipByValue(brighter, low[0]!, high[0]!)
          : tf.minimum(tf.maximum(brighter, channelTensor(low)), channelTensor(high))
      ) as tf.Tensor4D;
    }
    return out === images ? tf.clone(images) : out;
  });
}
