import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PRESETS } from "@tlab/core/presets";
import { createApiHarness, finalMetricsFixture, workerInfoFixture } from "./testing/api-harness";

type Harness = Awaited<ReturnType<typeof createApiHarness>>;
let h: Harness;
let experimentId: string;
let workerId: string;

beforeEach(async () => {
  h = await createApiHarness();
  ({ id: experimentId } = await h.member.experiment.create({
    ...PRESETS.digits,
    name: "decide on seeds",
    seeds: 3,
    strategies: [{ kind: "frozen" }, { kind: "partial" }],
  }));
  workerId = (await h.worker.worker.register(workerInfoFixture)).id;
});
afterEach(async () => h.cleanup());

/** Claims runs in queue order until it holds the one asked for, giving the others back. */
async function claim(strategy: string, seed: number): Promise<string> {
  const run = (await h.viewer.experiment.byId({ experimentId: experimentId })).runs.find(
    (r) => r.strategy === strategy && r.seed === seed,
  )!;
  const others = (await h.viewer.experiment.byId({ experimentId: experimentId })).runs.filter(
    (r) => r.status === "QUEUED" && r.id !== run.id,
  );
  // Hold the others back so the claim can only take this run.
  await h.db.run.updateMany({
    where: { id: { in: others.map((r) => r.id) } },
    data: { status: "CANCELED" },
  });
  const spec = await h.worker.worker.claim({ workerId });
  await h.db.run.updateMany({
    where: { id: { in: others.map((r) => r.id) } },
    data: { status: "QUEUED" },
  });
  expect(spec?.runId).toBe(run.id);
  return run.id;
}

async function succeed(strategy: string, seed: number, testAccuracy: number): Promise<void> {
  const runId = await claim(strategy, seed);
  await h.worker.worker.complete({
    workerId,
    runId,
    metrics: finalMetricsFixture({ testAccuracy, bestEpoch: 1, epochsRun: 1 }),
  });
}

describe("decisions that stay honest", () => {
  it("records the comparison it was made on and says what changed when more seeds finish", async () => {
    await succeed("frozen", 1, 0.8);
    await succeed("frozen", 2, 0.82);
    await succeed("partial", 1, 0.9);
    await succeed("partial", 2, 0.92);
    const made = await h.member.review.decide({
      experimentId,
      strategy: "partial",
      rationale: "partial leads on two seeds",
    });
    expect(made.basis?.groups).toEqual([
      {
        key: "frozen",
        label: "Frozen feature extractor",
        strategy: "frozen",
        meanTestAccuracy: 0.81,
        n: 2,
      },
      {
        key: "partial",
        label: "Partial fine-tune",
        strategy: "partial",
        meanTestAccuracy: 0.91,
        n: 2,
      },
    ]);
    expect(made.basis?.runs.map((r) => [r.strategy, r.seed, r.attempt, r.status])).toEqual(
      expect.arrayContaining([
        ["partial", 3, 0, "QUEUED"],
        ["partial", 1, 1, "SUCCEEDED"],
      ]),
    );
    const [fresh] = await h.viewer.review.decisions({ experimentId });
    expect(fresh!.drift).toBeNull();

    await succeed("partial", 3, 0.97);
    await succeed("frozen", 3, 0.81);
    const [later] = await h.viewer.review.decisions({ experimentId });
    // Partial: (0.9 + 0.92 + 0.97) / 3 = 0.93; frozen (0.8 + 0.82 + 0.81) / 3 = 0.81, the same mean on one more seed.
    expect(later!.drift).toEqual({
      headline: "made on 2 seeds; now 3 seeds",
      changes: [
        "Frozen feature extractor 0.810 (2 seeds) → 0.810 (3 seeds)",
        "Partial fine-tune 0.910 (2 seeds) → 0.930 (3 seeds)",
      ],
    });
  });

  it("names a retried run, and a decision from before bases were recorded has no drift", async () => {
    await succeed("frozen", 1, 0.8);
    const failedId = await claim("partial", 1);
    await h.worker.worker.fail({ workerId, runId: failedId, reason: "out of memory" });
    await h.member.review.decide({ experimentId, strategy: "frozen", rationale: "partial failed" });
    await h.member.run.retry({ runId: failedId });
    let [current] = await h.viewer.review.decisions({ experimentId });
    expect(current!.drift?.changes).toEqual([
      "Partial fine-tune seed 1 failed → queued (retry asked for)",
    ]);
    expect(current!.drift?.headline).toBe(
      "made on 0–1 seeds per strategy, as now, but the runs changed since",
    );

    await succeed("partial", 1, 0.95);
    [current] = await h.viewer.review.decisions({ experimentId });
    expect(current!.drift?.changes).toEqual([
      "Partial fine-tune none (0 seeds) → 0.950 (1 seed)",
      "Partial fine-tune seed 1 retried (attempt 1 → 2, failed → succeeded)",
    ]);

    await h.db.decision.updateMany({ where: { experimentId }, data: { basis: null } });
    [current] = await h.viewer.review.decisions({ experimentId });
    expect([current!.basis, current!.drift]).toEqual([null, null]);
  });
});
