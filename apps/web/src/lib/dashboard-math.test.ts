import { describe, expect, it } from "vitest";
import { diffConfigs, flattenConfig } from "./config-diff";
import { rateDifference, rowRates } from "./confusion";
import { lastStep, mergePoints } from "./merge-points";
import { dominatorOf, paretoFront } from "./pareto";
import { aggregateSeeds, bandEdges } from "./seed-aggregate";

describe("aggregateSeeds", () => {
  it("takes mean, sample std, min and max across seeds at each step", () => {
    const agg = aggregateSeeds([
      [
        { step: 1, value: 0.5 },
        { step: 2, value: 0.7 },
      ],
      [
        { step: 1, value: 0.7 },
        { step: 2, value: 0.9 },
      ],
    ]);
    expect(agg.map((p) => p.step)).toEqual([1, 2]);
    expect(agg[0]!.mean).toBeCloseTo(0.6);
    expect(agg[0]!.std).toBeCloseTo(Math.SQRT2 * 0.1);
    expect(agg[1]).toMatchObject({ min: 0.7, max: 0.9, n: 2 });
  });

  it("interpolates a seed between its own steps and leaves it out past its end", () => {
    const agg = aggregateSeeds([
      [
        { step: 1, value: 0 },
        { step: 3, value: 1 },
      ],
      [
        { step: 2, value: 1 },
        { step: 4, value: 1 },
      ],
    ]);
    const at = (step: number) => agg.find((p) => p.step === step)!;
    expect(at(1)).toMatchObject({ n: 1, mean: 0, std: null });
    expect(at(2)).toMatchObject({ n: 2, mean: 0.75 }); // seed 1 interpolated to 0.5
    expect(at(4)).toMatchObject({ n: 1, mean: 1 });
  });

  it("draws a band only where two or more seeds have a value", () => {
    const agg = aggregateSeeds([
      [
        { step: 1, value: 1 },
        { step: 2, value: 2 },
      ],
      [{ step: 2, value: 4 }],
    ]);
    expect(bandEdges(agg, "minmax")).toEqual({
      lower: [{ step: 2, value: 2 }],
      upper: [{ step: 2, value: 4 }],
    });
    expect(bandEdges(agg, "none")).toEqual({ lower: [], upper: [] });
    expect(aggregateSeeds([])).toEqual([]);
  });
});

describe("paretoFront", () => {
  it("keeps the points no other point beats on both cost and accuracy", () => {
    const points = [
      { id: "frozen", cost: 5, accuracy: 0.9 },
      { id: "partial", cost: 18, accuracy: 0.95 },
      { id: "full", cost: 25, accuracy: 0.94 },
      { id: "twin", cost: 5, accuracy: 0.9 },
    ];
    expect([...paretoFront(points)].sort()).toEqual(["frozen", "partial", "twin"]);
    expect(dominatorOf(points[2]!, points)?.id).toBe("partial");
    expect(dominatorOf(points[0]!, points)).toBeNull();
  });
});

describe("diffConfigs", () => {
  it("lists only the settings that differ, with absent values, and what all share", () => {
    const diff = diffConfigs([
      { kind: "frozen", head: { type: "softmax", hiddenUnits: 0 }, learningRate: 0.03 },
      {
        kind: "partial",
        head: { type: "softmax", hiddenUnits: 0 },
        learningRate: 0.01,
        cut: { by: "topK", k: 2 },
      },
    ]);
    expect(diff.differing).toEqual([
      { path: "kind", values: ["frozen", "partial"] },
      { path: "learningRate", values: [0.03, 0.01] },
      { path: "cut.by", values: [undefined, "topK"] },
      { path: "cut.k", values: [undefined, 2] },
    ]);
    expect(diff.shared).toEqual([
      { path: "head.type", value: "softmax" },
      { path: "head.hiddenUnits", value: 0 },
    ]);
    expect(flattenConfig({ classes: [5, 6] })).toEqual(new Map([["classes", "[5,6]"]]));
  });
});

describe("confusion rates", () => {
  it("compares matrices with different totals by row rates", () => {
    expect(
      rowRates([
        [3, 1],
        [0, 0],
      ]),
    ).toEqual([
      [0.75, 0.25],
      [0, 0],
    ]);
    const diff = rateDifference(
      [
        [3, 1],
        [1, 3],
      ],
      [
        [8, 0],
        [2, 6],
      ],
    )!;
    expect(diff[0]![0]).toBeCloseTo(0.25);
    expect(diff[1]![0]).toBeCloseTo(0);
    expect(rateDifference([[1]], [[1, 2]])).toBeNull();
  });
});

describe("mergePoints", () => {
  it("adds new steps, replaces a re-sent one and keeps the array when nothing changed", () => {
    const series = [{ name: "val/loss", points: [{ step: 1, value: 1 }] }];
    const merged = mergePoints(series, [
      { name: "val/loss", step: 2, value: 0.5 },
      { name: "val/loss", step: 1, value: 0.9 },
      { name: "train/loss", step: 1, value: 2 },
    ]);
    expect(merged).toEqual([
      {
        name: "val/loss",
        points: [
          { step: 1, value: 0.9 },
          { step: 2, value: 0.5 },
        ],
      },
      { name: "train/loss", points: [{ step: 1, value: 2 }] },
    ]);
    expect(mergePoints(merged, [{ name: "val/loss", step: 2, value: 0.5 }])).toBe(merged);
    expect(lastStep(merged)).toBe(2);
  });
});
