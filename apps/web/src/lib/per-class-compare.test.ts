import { describe, expect, it } from "vitest";
import { perClassComparison } from "./per-class-compare";

describe("perClassComparison", () => {
  it("computes precision, recall and F1 per class and marks the best of each row, ties included", () => {
    const classNames = ["cat", "dog"];
    const rows = perClassComparison([
      // frozen: cat 8/10 right, dog 9/10; predicted cat 9 times (8 right)
      {
        strategy: "frozen",
        classNames,
        matrix: [
          [8, 2],
          [1, 9],
        ],
      },
      // full: cat 10/10, dog 8/10; predicted cat 12 times (10 right)
      {
        strategy: "full",
        classNames,
        matrix: [
          [10, 0],
          [2, 8],
        ],
      },
    ]);
    expect(rows.map((r) => r.className)).toEqual(["cat", "dog"]);
    const cat = rows[0]!;
    expect(cat.values[0]!.metrics.precision).toBeCloseTo(8 / 9, 15);
    expect(cat.values[0]!.metrics.recall).toBeCloseTo(0.8, 15);
    expect(cat.values[1]!.metrics.precision).toBeCloseTo(10 / 12, 15);
    expect(cat.values[1]!.metrics.recall).toBe(1);
    expect([...cat.best.precision]).toEqual(["frozen"]);
    expect([...cat.best.recall]).toEqual(["full"]);
    // F1: frozen 2·(8/9)(0.8)/(8/9 + 0.8) = 0.842; full 2·(10/12)/(10/12 + 1) = 0.909.
    expect([...cat.best.f1]).toEqual(["full"]);
    const dog = rows[1]!;
    expect([...dog.best.recall]).toEqual(["frozen"]);
  });

  it("marks every strategy on a tie and none with one strategy", () => {
    const classNames = ["a", "b"];
    const m = [
      [5, 0],
      [0, 5],
    ];
    const tie = perClassComparison([
      { strategy: "frozen", classNames, matrix: m },
      { strategy: "partial", classNames, matrix: m },
    ]);
    expect([...tie[0]!.best.f1]).toEqual(["frozen", "partial"]);
    expect(
      perClassComparison([{ strategy: "frozen", classNames, matrix: m }])[0]!.best.f1.size,
    ).toBe(0);
  });
});
