import { describe, expect, it } from "vitest";
import type { RunSummaryDto } from "@tlab/core/dto";
import type { StrategyKind } from "@tlab/core/strategy";
import type { RunStatus } from "@tlab/core/run";
import type { FinalMetrics } from "@tlab/core/run";
import { runSummaryFixture } from "./test-fixtures";
import {
  argmaxStep,
  bestPerColumn,
  listWords,
  rankByAccuracy,
  sumMatrices,
  summarizeStrategies,
  testSetSize,
} from "./strategy-summary";

function run(
  id: string,
  strategy: StrategyKind,
  seed: number,
  status: RunStatus,
  testAccuracy: number | null,
): RunSummaryDto {
  const finished = testAccuracy !== null;
  return runSummaryFixture({
    id,
    strategy,
    seed,
    status,
    attempt: 1,
    progress: status === "SUCCEEDED" ? 1 : 0,
    testAccuracy,
    trainableParams: finished ? 1000 : null,
    totalParams: finished ? 5000 : null,
    wallTimeMs: finished ? 2000 : null,
  });
}

describe("summarizeStrategies", () => {
  it("aggregates seeds with mean and sample std, and marks the best strategy", () => {
    const rows = summarizeStrategies(
      [
        run("a", "frozen", 1, "SUCCEEDED", 0.8),
        run("b", "frozen", 2, "SUCCEEDED", 0.9),
        run("c", "full", 1, "SUCCEEDED", 0.95),
        run("d", "full", 2, "FAILED", null),
      ],
      new Map(),
      new Map([
        ["a", 3],
        ["b", 4],
        ["c", 5],
      ]),
    );
    expect(rows.map((r) => r.strategy)).toEqual(["frozen", "full"]);
    const [frozen, full] = rows;
    expect(frozen!.accuracy.mean).toBeCloseTo(0.85);
    expect(frozen!.accuracy.std).toBeCloseTo(Math.SQRT2 * 0.05);
    expect(frozen!.bestEpochs).toEqual([3, 4]);
    expect(full!.succeeded).toBe(1);
    expect(full!.runs).toBe(2);
    expect(full!.accuracy.std).toBeNull();
    expect(rows.filter((r) => r.isBest).map((r) => r.strategy)).toEqual(["full"]);
  });

  it("marks nothing until two strategies have a result", () => {
    const none = summarizeStrategies([run("a", "partial", 1, "QUEUED", null)], new Map());
    expect(none[0]!.isBest).toBe(false);
    expect(none[0]!.accuracy.mean).toBeNull();
    const one = summarizeStrategies(
      [run("a", "partial", 1, "SUCCEEDED", 0.9), run("b", "full", 1, "RUNNING", null)],
      new Map(),
    );
    expect(one.some((r) => r.isBest)).toBe(false);
  });
});

describe("sumMatrices", () => {
  it("adds matrices of the same shape and refuses mismatched ones", () => {
    expect(
      sumMatrices([
        [
          [1, 2],
          [3, 4],
        ],
        [
          [1, 0],
          [0, 1],
        ],
      ]),
    ).toEqual([
      [2, 2],
      [3, 5],
    ]);
    expect(sumMatrices([[[1]], [[1, 2]]])).toBeNull();
    expect(sumMatrices([])).toBeNull();
  });
});

describe("argmaxStep", () => {
  it("returns the first step with the highest value", () => {
    expect(
      argmaxStep([
        { step: 1, value: 0.5 },
        { step: 2, value: 0.9 },
        { step: 3, value: 0.9 },
      ]),
    ).toBe(2);
    expect(argmaxStep([])).toBeNull();
  });
});

describe("bestPerColumn", () => {
  it("marks the best value of every column from the final metrics, lower or higher as the column wants", () => {
    const runs = [run("a", "frozen", 1, "SUCCEEDED", 0.8), run("b", "full", 1, "SUCCEEDED", 0.95)];
    const final = (over: Partial<FinalMetrics>): FinalMetrics => ({
      testAccuracy: 0,
      testLoss: 0,
      confusionMatrix: [],
      classNames: [],
      perClass: [],
      bestEpoch: 1,
      epochsRun: 1,
      trainableParams: 0,
      totalParams: 0,
      wallTimeMs: 0,
      trainImagesPerSec: 0,
      peakMemoryBytes: 0,
      ...over,
    });
    const rows = summarizeStrategies(
      runs,
      new Map([
        [
          "a",
          final({ bestEpoch: 4, wallTimeMs: 1000, trainImagesPerSec: 900, peakMemoryBytes: 10 }),
        ],
        [
          "b",
          final({ bestEpoch: 2, wallTimeMs: 5000, trainImagesPerSec: 300, peakMemoryBytes: 30 }),
        ],
      ]),
    );
    const best = bestPerColumn(rows);
    expect([...best.accuracy]).toEqual(["full"]);
    expect([...best.bestEpoch]).toEqual(["full"]);
    expect([...best.wallTimeMs]).toEqual(["frozen"]);
    expect([...best.imagesPerSec]).toEqual(["frozen"]);
    expect([...best.peakMemoryBytes]).toEqual(["frozen"]);
    // Both report 1000 trainable parameters: a tie marks both.
    expect([...best.trainableParams].sort()).toEqual(["frozen", "full"]);
  });
});

describe("rankByAccuracy", () => {
  const ranked = (accuracies: Partial<Record<StrategyKind, number>>) =>
    rankByAccuracy(
      summarizeStrategies(
        Object.entries(accuracies).map(([k, a], i) =>
          run(`r${i}`, k as StrategyKind, 1, "SUCCEEDED", a),
        ),
        new Map(),
      ),
    );
  const names = (xs: readonly { strategy: StrategyKind }[]) => xs.map((x) => x.strategy).sort();

  it("names a winner when its lead shows at the displayed precision", () => {
    const r = ranked({ frozen: 0.889, partial: 0.8884, full: 0.8 });
    expect(r).toMatchObject({
      kind: "lead",
      winner: { strategy: "frozen" },
      runnerUp: { strategy: "partial" },
    });
    expect(r!.kind === "lead" && r!.marginPoints.toFixed(1)).toBe("0.1");
  });

  it("calls equal means, or a lead below 0.05 points, a tie and names every tied strategy", () => {
    expect(ranked({ frozen: 0.8889, partial: 0.8889 })).toMatchObject({
      kind: "tie",
      next: null,
      marginPoints: null,
    });
    const r = ranked({ frozen: 0.8889, partial: 0.88886, full: 0.86 });
    expect(r?.kind).toBe("tie");
    if (r?.kind !== "tie") return;
    expect(names(r.tied)).toEqual(["frozen", "partial"]);
    expect(r.next?.strategy).toBe("full");
    expect(r.marginPoints!.toFixed(1)).toBe("2.9");
    const three = ranked({ frozen: 0.9, partial: 0.9, full: 0.9 });
    expect(three?.kind === "tie" && names(three.tied)).toEqual(["frozen", "full", "partial"]);
  });

  it("is null until two strategies have a result", () => {
    expect(ranked({ frozen: 0.9 })).toBeNull();
  });
});

describe("testSetSize and listWords", () => {
  it("counts a run's test images from its confusion matrix", () => {
    expect(
      testSetSize([
        {
          confusionMatrix: [
            [3, 1],
            [0, 5],
          ],
        } as FinalMetrics,
      ]),
    ).toBe(9);
    expect(testSetSize([])).toBeNull();
  });
  it("joins names for a sentence", () => {
    expect(listWords(["A"])).toBe("A");
    expect(listWords(["A", "B"])).toBe("A and B");
    expect(listWords(["A", "B", "C"])).toBe("A, B and C");
  });
});
