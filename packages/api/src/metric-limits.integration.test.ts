import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PRESETS } from "@tlab/core/presets";
import { MAX_METRIC_SERIES_PER_RUN } from "@tlab/core/run";
import { createApiHarness, trpcErrorOf, workerInfoFixture } from "./testing/api-harness";

type Harness = Awaited<ReturnType<typeof createApiHarness>>;
let h: Harness;
beforeEach(async () => {
  h = await createApiHarness();
});
afterEach(async () => h.cleanup());

/** A run of a 2-epoch experiment, claimed by a worker. */
async function claimedRun() {
  const { id: experimentId } = await h.user.experiment.create({
    ...PRESETS.digits,
    name: "limits",
    strategies: [PRESETS.digits.strategies[0]!],
    epochs: 2,
  });
  const worker = await h.worker.worker.register(workerInfoFixture);
  const spec = await h.worker.worker.claim({ workerId: worker.id });
  return { experimentId, workerId: worker.id, runId: spec!.runId };
}

const seriesNames = (count: number, prefix = "s") =>
  Array.from({ length: count }, (_, i) => `${prefix}/${String(i).padStart(5, "0")}`);

describe("metric reports the API refuses, with a 4xx naming the bound", () => {
  it("steps beyond the run's epoch budget, and steps past PostgreSQL's integer column", async () => {
    const { workerId, runId } = await claimedRun();
    for (const step of [3, 2 ** 31, Number.MAX_SAFE_INTEGER]) {
      const refused = await trpcErrorOf(
        h.worker.worker.reportMetrics({
          workerId,
          runId,
          points: [{ name: "val/accuracy", step, value: 0.5 }],
        }),
      );
      expect(refused.code, `step ${step}`).toBe("BAD_REQUEST");
      expect(refused.message).toMatch(
        step === 3
          ? /step 3 of "val\/accuracy" is beyond the run's budget of 2 epochs/
          : /step: must be at most 2147483647/,
      );
    }
    // Steps 0..epochs are stored, and nothing of a refused report is.
    await h.worker.worker.reportMetrics({
      workerId,
      runId,
      points: [0, 1, 2].map((step) => ({ name: "val/accuracy", step, value: step / 2 })),
    });
    expect(
      (await h.user.run.metrics({ runId }))
        .find((s) => s.name === "val/accuracy")
        ?.points.map((p) => p.step),
    ).toEqual([0, 1, 2]);
  });

  it(`more than ${MAX_METRIC_SERIES_PER_RUN} series per run, and more points per report than allowed`, async () => {
    const { workerId, runId } = await claimedRun();
    const tooMany = await trpcErrorOf(
      h.worker.worker.reportMetrics({
        workerId,
        runId,
        points: seriesNames(10_000).map((name) => ({ name, step: 1, value: 1 })),
      }),
    );
    expect(tooMany.code).toBe("BAD_REQUEST");
    expect(tooMany.message).toBe(
      `points: a run keeps at most ${MAX_METRIC_SERIES_PER_RUN} metric series; this run has 0 and the report adds 10000 new names`,
    );

    await h.worker.worker.reportMetrics({
      workerId,
      runId,
      points: seriesNames(MAX_METRIC_SERIES_PER_RUN).map((name) => ({ name, step: 1, value: 1 })),
    });
    const oneMore = await trpcErrorOf(
      h.worker.worker.reportMetrics({
        workerId,
        runId,
        points: [{ name: "extra", step: 1, value: 1 }],
      }),
    );
    expect(oneMore.message).toMatch(/this run has 100 and the report adds 1 new names/);
    // Known series take more points.
    await h.worker.worker.reportMetrics({
      workerId,
      runId,
      points: seriesNames(MAX_METRIC_SERIES_PER_RUN).map((name) => ({ name, step: 2, value: 2 })),
    });

    const tooLarge = await trpcErrorOf(
      h.worker.worker.reportMetrics({
        workerId,
        runId,
        points: Array.from({ length: 10_001 }, () => ({ name: "val/accuracy", step: 1, value: 1 })),
      }),
    );
    expect(tooLarge.code).toBe("BAD_REQUEST");
    expect(tooLarge.message).toContain(
      "points: at most 10000 per report; send the rest in further reports",
    );
  });
});

describe("reads of a run with 10,000 series at one step (stored before the per-run cap)", () => {
  it("run.metrics, experiment.compare and both exports answer, and the exports hold every point", async () => {
    const { experimentId, runId } = await claimedRun();
    const names = seriesNames(10_000);
    // Straight to the repository: the API refuses such a report now; older databases may hold one.
    await h.repos.metrics.upsertPoints(runId, [
      ...names.map((name) => ({ name, step: 1, value: 1 })),
      ...names.slice(0, 5_003).map((name) => ({ name, step: 2, value: 2 })),
      { name: "val/accuracy", step: 2, value: 0.9 },
    ]);
    const total = 10_000 + 5_003 + 1;

    const series = await h.user.run.metrics({ runId });
    expect(series).toHaveLength(10_001);
    expect(series.reduce((sum, s) => sum + s.points.length, 0)).toBe(total);
    const compared = await h.user.experiment.compare({ experimentId: experimentId });
    expect(compared.series.find((s) => s.runId === runId)?.metrics).toHaveLength(10_001);

    const csv = (await h.services.export.runMetrics(runId, "csv")).body.trim().split("\r\n");
    expect(csv).toHaveLength(total + 1);
    expect(new Set(csv.slice(1).map((line) => line.split(",").slice(0, 2).join("@"))).size).toBe(
      total,
    );
    const json = JSON.parse((await h.services.export.runMetrics(runId, "json")).body) as {
      series: { points: unknown[] }[];
    };
    expect(json.series.reduce((sum, s) => sum + s.points.length, 0)).toBe(total);
  });

  it("the live view's read pages through a step larger than its page, every point once", async () => {
    const { runId } = await claimedRun();
    const names = seriesNames(7);
    await h.repos.metrics.upsertPoints(
      runId,
      [1, 2].flatMap((step) => names.map((name) => ({ name, step, value: step }))),
    );
    const read = await h.repos.runQueries.allPointsAfter(runId, 0, 3);
    expect(read.map((p) => `${p.step}@${p.name}`)).toEqual(
      [1, 2].flatMap((step) => names.map((name) => `${step}@${name}`)),
    );
    expect((await h.repos.runQueries.allPointsAfter(runId, 1, 3)).map((p) => p.step)).toEqual(
      Array(7).fill(2),
    );
  });
});
