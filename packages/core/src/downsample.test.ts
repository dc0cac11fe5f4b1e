import { describe, expect, it } from "vitest";
import { downsampleMinMax } from "./downsample";

describe("downsampleMinMax", () => {
  it("returns short series unchanged", () => {
    const points = [1, 2, 3].map((v, i) => ({ step: i, value: v }));
    expect(downsampleMinMax(points, 10)).toEqual(points);
  });

  it("bounds the point count and keeps first, last and the extremes", () => {
    const points = Array.from({ length: 100_000 }, (_, i) => ({ step: i, value: Math.sin(i / 500) }));
    points[31_337] = { step: 31_337, value: 42 };
    points[77_777] = { step: 77_777, value: -42 };
    const out = downsampleMinMax(points, 2000);
    expect(out.length).toBeLessThanOrEqual(2000);
    expect(out[0]).toEqual(points[0]);
    expect(out.at(-1)).toEqual(points.at(-1));
    expect(out).toContainEqual({ step: 31_337, value: 42 });
    expect(out).toContainEqual({ step: 77_777, value: -42 });
    const steps = out.map((p) => p.step);
    expect(steps).toEqual([...steps].sort((a, b) => a - b));
  });
});
