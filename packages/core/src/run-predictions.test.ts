import { describe, expect, it } from "vitest";
import {
  decodePredictions,
  encodePredictions,
  predictionsAccuracy,
  predictionsResponse,
} from "./run-predictions";
import { decodeThumbnails, encodeThumbnails, makeThumbnails } from "./test-thumbnails";

describe("predictions file", () => {
  it("round-trips in 8 bytes an image and serves the documented JSON", () => {
    const p = {
      labels: Int32Array.from([0, 1, 2, 1]),
      predicted: Int32Array.from([0, 2, 2, 1]),
      confidence: Float32Array.from([0.9, 0.5, 0.75, 0.625]),
    };
    const bytes = encodePredictions(p);
    expect(bytes.byteLength).toBe(12 + 8 * 4);
    const back = decodePredictions(bytes);
    expect(back).toEqual(p);
    expect(predictionsAccuracy(back)).toBe(3 / 4);
    expect(predictionsResponse(["a", "b", "c"], back).predictions[1]).toEqual({
      index: 1,
      label: 1,
      predicted: 2,
      confidence: 0.5,
    });
  });

  it("names what is wrong with a file that is not one", () => {
    expect(() => decodePredictions(new Uint8Array(4))).toThrow(/no TLPR header/);
    const bytes = encodePredictions({
      labels: Int32Array.from([1]),
      predicted: Int32Array.from([1]),
      confidence: Float32Array.from([1]),
    });
    expect(() => decodePredictions(bytes.subarray(0, 15))).toThrow(
      /15 bytes, but 1 images take 20/,
    );
  });
});

describe("test thumbnails", () => {
  it("scales a 64×64 image down to 32×32 by block averages, stretched to 0..255", () => {
    const xs = new Float32Array(64 * 64 * 3);
    // Left half -1, right half 1 (a [-1, 1] preprocessing), in all three channels.
    for (let y = 0; y < 64; y++)
      for (let x = 0; x < 64; x++)
        for (let c = 0; c < 3; c++) xs[(y * 64 + x) * 3 + c] = x < 32 ? -1 : 1;
    const t = decodeThumbnails(encodeThumbnails(makeThumbnails(xs, [64, 64, 3], 1)));
    expect(t).toMatchObject({ height: 32, width: 32, channels: 3, count: 1 });
    expect(t.pixels[0]).toBe(0);
    expect(t.pixels[(0 * 32 + 31) * 3]).toBe(255);
  });

  it("keeps at most MAX_THUMBNAILS images", () => {
    const t = makeThumbnails(new Float32Array(3000 * 4), [2, 2, 1], 3000);
    expect(t.count).toBe(2048);
    expect(t.pixels.length).toBe(2048 * 4);
  });
});
