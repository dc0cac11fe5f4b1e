import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { accuracyOf, confusionMatrix, perClassMetrics } from "@tlab/core/classification-metrics";
import { PRESETS } from "@tlab/core/presets";
import { encodePredictions, PREDICTIONS_FILE } from "@tlab/core/run-predictions";
import { mcnemarExact, pairedTTest } from "@tlab/core/significance";
import type { StrategyConfigInput } from "@tlab/core/strategy";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createApiHarness, finalMetricsFixture, workerInfoFixture } from "./testing/api-harness";

let h: Awaited<ReturnType<typeof createApiHarness>>;
let dataDir: string;

beforeEach(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "tlab-comparisons-"));
  h = await createApiHarness({ dataDir });
});
afterEach(async () => {
  await h.cleanup();
  await rm(dataDir, { recursive: true, force: true });
});

const CLASS_NAMES = ["5", "6", "7", "8", "9"];

async function launch(strategies: StrategyConfigInput[], seeds: number) {
  const { id } = await h.member.experiment.create({
    ...PRESETS.digits,
    name: "compare",
    strategies,
    seeds,
  });
  return id;
}

/** Claims every queued run and completes it with `result(strategy, seed)`; predictions stored as the worker would. */
async function finishAll(
  result: (
    strategy: string,
    seed: number,
  ) => { accuracy: number } | { labels: number[]; predicted: number[] },
) {
  const worker = await h.worker.worker.register(workerInfoFixture);
  for (;;) {
    const spec = await h.worker.worker.claim({ workerId: worker.id });
    if (!spec) return;
    const r = result(spec.strategy.kind, spec.seed);
    if ("accuracy" in r) {
      await h.worker.worker.complete({
        workerId: worker.id,
        runId: spec.runId,
        metrics: finalMetricsFixture({ testAccuracy: r.accuracy }),
      });
      continue;
    }
    const bytes = encodePredictions({
      labels: Int32Array.from(r.labels),
      predicted: Int32Array.from(r.predicted),
      confidence: Float32Array.from(r.labels, () => 0.5),
    });
    const storagePath = path.posix.join("artifacts", spec.runId, PREDICTIONS_FILE);
    await mkdir(path.join(dataDir, "artifacts", spec.runId), { recursive: true });
    await writeFile(path.join(dataDir, storagePath), bytes);
    await h.repos.runs.recordArtifact({
      runId: spec.runId,
      kind: "model",
      fileName: PREDICTIONS_FILE,
      storagePath,
      sizeBytes: bytes.byteLength,
      sha256: "0".repeat(64),
    });
    const matrix = confusionMatrix(r.labels, r.predicted, CLASS_NAMES.length);
    await h.worker.worker.complete({
      workerId: worker.id,
      runId: spec.runId,
      metrics: finalMetricsFixture({
        testAccuracy: accuracyOf(matrix),
        confusionMatrix: matrix,
        classNames: CLASS_NAMES,
        perClass: perClassMetrics(matrix, CLASS_NAMES),
      }),
    });
  }
}

describe("strategy comparisons on a real database", () => {
  it("three seeds: a paired t-test per pair, recomputable from the runs' test accuracies, in compare and the export", async () => {
    const id = await launch([{ kind: "frozen" }, { kind: "partial" }, { kind: "full" }], 3);
    const accuracy = (strategy: string, seed: number) =>
      ({ frozen: 0.8, partial: 0.84, full: 0.83 })[strategy]! +
      seed * 0.01 * (strategy === "full" ? -1 : 1) +
      (seed === 2 && strategy === "partial" ? 0.02 : 0);
    await finishAll((strategy, seed) => ({ accuracy: accuracy(strategy, seed) }));
    const {
      comparisons,
      finalMetrics = {},
      experiment,
    } = await h.viewer.experiment.compare({ experimentId: id });
    expect(comparisons!.map((c) => [c.a, c.b, c.method, c.n])).toEqual([
      ["frozen", "partial", "paired-t", 3],
      ["frozen", "full", "paired-t", 3],
      ["partial", "full", "paired-t", 3],
    ]);
    // Recomputed from the stored per-seed accuracies, the way a skeptical reader would.
    const bySeed = (kind: string) =>
      new Map(
        experiment.runs
          .filter((r) => r.strategy === kind)
          .map((r) => [r.seed, finalMetrics[r.id]!.testAccuracy]),
      );
    for (const c of comparisons!) {
      const a = bySeed(c.a);
      const b = bySeed(c.b);
      const expected = pairedTTest([...a.keys()].sort().map((s) => b.get(s)! - a.get(s)!));
      expect(c.meanDifference).toBeCloseTo(expected.meanDifference, 15);
      expect(c.ci95).toEqual(expected.ci95);
      expect(c.pValue).toBe(expected.pValue);
    }
    const exported = JSON.parse((await h.services.export.experiment(id, "json")).body);
    expect(exported.comparisons).toEqual(JSON.parse(JSON.stringify(comparisons)));
  });

  it("one seed: McNemar over the stored predictions, which the predictions endpoint serves with the run's accuracy", async () => {
    const id = await launch([{ kind: "frozen" }, { kind: "full" }], 1);
    const labels = Array.from({ length: 60 }, (_, i) => i % 5);
    // frozen gets images 0..39 right; full gets 10..59 right: 10 broken, 20 fixed.
    const predicted = (from: number, to: number) =>
      labels.map((l, i) => (i >= from && i < to ? l : (l + 1) % 5));
    await finishAll((strategy) => ({
      labels,
      predicted: strategy === "frozen" ? predicted(0, 40) : predicted(10, 60),
    }));
    const {
      comparisons,
      experiment,
      finalMetrics = {},
    } = await h.viewer.experiment.compare({ experimentId: id });
    const expected = mcnemarExact(labels, predicted(0, 40), predicted(10, 60));
    expect(expected).toMatchObject({ brokenByB: 10, fixedByB: 20 });
    expect(comparisons).toEqual([
      {
        a: "frozen",
        b: "full",
        metric: "testAccuracy",
        n: 60,
        seeds: [experiment.runs[0]!.seed],
        meanDifference: expected.meanDifference,
        ci95: expected.ci95,
        pValue: expected.pValue,
        method: "mcnemar",
      },
    ]);
    // /compare: the same test for the two runs picked side by side (same experiment and seed).
    const frozenRun = experiment.runs.find((r) => r.strategy === "frozen")!;
    const fullRun = experiment.runs.find((r) => r.strategy === "full")!;
    const { tests } = await h.viewer.run.compare({ runIds: [frozenRun.id, fullRun.id] });
    expect(tests).toEqual([
      {
        a: frozenRun.id,
        b: fullRun.id,
        method: "mcnemar",
        n: 60,
        meanDifference: expected.meanDifference,
        ci95: expected.ci95,
        pValue: expected.pValue,
      },
    ]);
    for (const run of experiment.runs) {
      const served = await h.services.predictions.response(run.id);
      expect(served.classNames).toEqual(CLASS_NAMES);
      expect(served.predictions).toHaveLength(60);
      const right = served.predictions.filter((p) => p.label === p.predicted).length;
      expect(right / served.predictions.length).toBe(finalMetrics[run.id]!.testAccuracy);
    }
  });

  it("says why there are no predictions for a run that has none", async () => {
    const id = await launch([{ kind: "frozen" }], 1);
    const [run] = (await h.viewer.experiment.byId({ experimentId: id })).runs;
    await expect(h.services.predictions.response(run!.id)).rejects.toThrow(
      /has no stored predictions \(it is QUEUED, predictions come when it succeeds\)/,
    );
    await expect(h.services.predictions.response("nope")).rejects.toThrow(/no run "nope"/);
  });
});
