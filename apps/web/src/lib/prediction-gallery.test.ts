import { describe, expect, it } from "vitest";
import { galleryItems } from "./prediction-gallery";

const response = (labels: number[], predicted: number[]) => ({
  classNames: ["a", "b", "c"],
  predictions: labels.map((label, index) => ({
    index,
    label,
    predicted: predicted[index]!,
    confidence: 0.5 + index / 100,
  })),
});

describe("galleryItems", () => {
  const labels = [0, 1, 2, 0, 1];
  const a = response(labels, [0, 2, 2, 1, 0]); // right: 0, 2
  const b = response(labels, [1, 1, 2, 0, 0]); // right: 1, 2, 3

  it("fixed by B: A wrong, B right; broken by B: A right, B wrong", () => {
    expect(galleryItems(a, b, { kind: "fixed" }).map((i) => i.index)).toEqual([1, 3]);
    expect(galleryItems(a, b, { kind: "broken" }).map((i) => i.index)).toEqual([0]);
    expect(galleryItems(a, b, { kind: "fixed" })[0]).toEqual({
      index: 1,
      label: 1,
      a: { predicted: 2, confidence: 0.51 },
      b: { predicted: 1, confidence: 0.51 },
    });
  });

  it("a difference cell: true class, predicted so by exactly one of A and B", () => {
    // true 0 predicted 1: image 0 (B only) and image 3 (A only).
    expect(
      galleryItems(a, b, { kind: "cell", label: 0, predicted: 1 }).map((i) => i.index),
    ).toEqual([0, 3]);
    // true 1 predicted 0: image 4, predicted 0 by both: no change, not shown.
    expect(galleryItems(a, b, { kind: "cell", label: 1, predicted: 0 })).toEqual([]);
  });

  it("refuses predictions of two different test sets", () => {
    expect(() => galleryItems(a, response([0], [0]), { kind: "fixed" })).toThrow(
      /5 and 1 test images/,
    );
  });
});
