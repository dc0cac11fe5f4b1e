import type { Augmentation } from "@tlab/core/experiment";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend, tf } from "../tf/backend";
import { augmentBatch, drawAugmentParams, isAugmenting, pixelLevels } from "./augment";

const NONE: Augmentation = {
  flipHorizontal: false,
  shiftPixels: 0,
  rotateDegrees: 0,
  brightness: 0,
};
const SIDE = 9;

/** One image per entry with a single lit pixel at (x, y); 0.5 elsewhere when `background` is set. */
function dots(points: Array<[number, number]>, background = 0): tf.Tensor4D {
  const values = new Float32Array(points.length * SIDE * SIDE).fill(background);
  points.forEach(([x, y], i) => {
    values[i * SIDE * SIDE + y * SIDE + x] = 1;
  });
  return tf.tensor4d(values, [points.length, SIDE, SIDE, 1]);
}

/** (x, y) of the brightest pixel of each image. */
function brightest(images: tf.Tensor4D): Array<[number, number]> {
  const values = images.dataSync();
  return Array.from({ length: images.shape[0] }, (_, i) => {
    let best = 0;
    for (let p = 1; p < SIDE * SIDE; p++)
      if (values[i * SIDE * SIDE + p]! > values[i * SIDE * SIDE + best]!) best = p;
    return [best % SIDE, Math.floor(best / SIDE)] as [number, number];
  });
}

beforeAll(async () => {
  await initBackend("wasm");
});

describe("augmentBatch", () => {
  it("is off when every option is at its default", () => {
    expect(isAugmenting(NONE)).toBe(false);
    expect(isAugmenting({ ...NONE, brightness: 0.1 })).toBe(true);
  });

  it("draws the same choices for the same seed and different ones for another", () => {
    const options: Augmentation = {
      flipHorizontal: true,
      shiftPixels: 3,
      rotateDegrees: 15,
      brightness: 0.2,
    };
    expect(drawAugmentParams(options, 16, 7)).toEqual(drawAugmentParams(options, 16, 7));
    expect(drawAugmentParams(options, 16, 7)).not.toEqual(drawAugmentParams(options, 16, 8));
    const params = drawAugmentParams(options, 500, 1);
    expect(
      params.every(
        (p) => Math.abs(p.shiftX) <= 3 && Math.abs(p.shiftY) <= 3 && Number.isInteger(p.shiftX),
      ),
    ).toBe(true);
    expect(params.every((p) => Math.abs(p.degrees) <= 15 && Math.abs(p.brightness) <= 0.2)).toBe(
      true,
    );
    expect(new Set(params.map((p) => p.flip)).size).toBe(2);
    expect(new Set(params.map((p) => p.shiftX)).size).toBe(7);
  });

  it("shifts whole pixels by the drawn amounts", () => {
    const options = { ...NONE, shiftPixels: 2 };
    const images = dots(Array.from({ length: 12 }, () => [4, 4] as [number, number]));
    const out = augmentBatch(images, options, 5);
    const params = drawAugmentParams(options, 12, 5);
    expect(brightest(out)).toEqual(params.map((p) => [4 + p.shiftX, 4 + p.shiftY]));
    // Shifts move pixels without blurring them: the image still holds one 1 and zeros.
    expect(Array.from(out.dataSync()).filter((v) => v !== 0)).toEqual(params.map(() => 1));
    tf.dispose([images, out]);
  });

  it("flips the chosen images left to right and leaves the others alone", () => {
    const options = { ...NONE, flipHorizontal: true };
    const images = dots(Array.from({ length: 10 }, () => [1, 3] as [number, number]));
    const out = augmentBatch(images, options, 3);
    const params = drawAugmentParams(options, 10, 3);
    expect(brightest(out)).toEqual(params.map((p) => (p.flip ? [SIDE - 2, 3] : [1, 3])));
    tf.dispose([images, out]);
  });

  it("rotates about the centre, counter-clockwise for positive angles", () => {
    // Each image gets its own angle in [-45°, 45°]; check every one against its drawn angle.
    const options = { ...NONE, rotateDegrees: 45 };
    const count = 24;
    const images = dots(Array.from({ length: count }, () => [7, 4] as [number, number])); // 3 px right of centre
    const out = augmentBatch(images, options, 11);
    const params = drawAugmentParams(options, count, 11);
    const found = brightest(out);
    params.forEach((p, i) => {
      const theta = (p.degrees * Math.PI) / 180;
      // Counter-clockwise on screen (rows grow downwards): the dot moves up for positive angles.
      const expected = [4 + 3 * Math.cos(theta), 4 - 3 * Math.sin(theta)];
      const [x, y] = found[i]!;
      expect(
        Math.hypot(x - expected[0]!, y - expected[1]!),
        `image ${i}, ${p.degrees.toFixed(1)}°`,
      ).toBeLessThanOrEqual(1);
    });
    tf.dispose([images, out]);
  });

  it("changes brightness by one drawn amount per image, clipped to [0, 1]", () => {
    const options = { ...NONE, brightness: 0.3 };
    const images = dots(
      Array.from({ length: 8 }, () => [2, 2] as [number, number]),
      0.5,
    );
    const out = augmentBatch(images, options, 9);
    const params = drawAugmentParams(options, 8, 9);
    const values = out.dataSync();
    params.forEach((p, i) => {
      const image = values.subarray(i * SIDE * SIDE, (i + 1) * SIDE * SIDE);
      expect(image[SIDE * SIDE - 1]).toBeCloseTo(0.5 + p.brightness, 5);
      expect(image[2 * SIDE + 2]).toBeCloseTo(Math.min(1, 1 + p.brightness), 5);
    });
    tf.dispose([images, out]);
  });

  it("works in the model's input space: fills with its black and clips brightness to its range, per channel", () => {
    // [-1, 1] input range, then per-channel normalization: black and white differ per channel.
    const levels = pixelLevels({ inputRange: [-1, 1], mean: [0, 0.5, -0.5], std: [1, 0.5, 2] }, 3);
    expect(levels.black).toEqual([-1, -3, -0.25]);
    expect(levels.white).toEqual([1, 1, 0.75]);
    // Images entirely white: whatever moves in from outside must be black, channel by channel.
    const white = tf.tensor4d(Array.from({ length: 4 * SIDE * SIDE }, () => levels.white).flat(), [
      4,
      SIDE,
      SIDE,
      3,
    ]);
    const options = { ...NONE, shiftPixels: 3, brightness: 0.5 };
    const out = augmentBatch(white, options, 2, levels);
    const params = drawAugmentParams(options, 4, 2);
    const values = out.dataSync();
    params.forEach((p, i) => {
      const pixel = (x: number, y: number) =>
        Array.from(
          values.subarray(((i * SIDE + y) * SIDE + x) * 3, ((i * SIDE + y) * SIDE + x) * 3 + 3),
        );
      // Inside the shifted image: white plus brightness, clipped to white.
      const inside = pixel(4, 4);
      inside.forEach((v, c) => {
        expect(v).toBeCloseTo(
          Math.min(
            levels.white[c]!,
            levels.white[c]! + p.brightness * (levels.white[c]! - levels.black[c]!),
          ),
          5,
        );
      });
      if (p.shiftX > 0) {
        const outside = pixel(0, 4);
        outside.forEach((v, c) => {
          expect(v).toBeCloseTo(
            Math.max(
              levels.black[c]!,
              levels.black[c]! + p.brightness * (levels.white[c]! - levels.black[c]!),
            ),
            5,
          );
        });
      }
    });
    expect(params.some((p) => p.shiftX > 0)).toBe(true);
    tf.dispose([white, out]);
  });

  it("leaves its input intact and no tensors behind", () => {
    const images = dots([[4, 4]]);
    const before = tf.memory().numTensors;
    const out = augmentBatch(
      images,
      { flipHorizontal: true, shiftPixels: 1, rotateDegrees: 10, brightness: 0.1 },
      1,
    );
    expect(tf.memory().numTensors).toBe(before + 1);
    expect(brightest(images)).toEqual([[4, 4]]);
    tf.dispose([images, out]);
  });
});
