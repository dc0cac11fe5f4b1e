import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PRESETS } from "@tlab/core/presets";
import { MAX_RUNS_PER_LAUNCH } from "@tlab/core/transfer-sweep";
import { createApiHarness, trpcErrorOf, workerInfoFixture } from "./testing/api-harness";

type Harness = Awaited<ReturnType<typeof createApiHarness>>;
let h: Harness;
beforeEach(async () => {
  h = await createApiHarness();
});
afterEach(async () => h.cleanup());

const cutOf = (config: { kind: string; cut?: { by: string; layer?: string; k?: number } }) =>
  config.kind === "partial" && config.cut?.by === "layer" ? config.cut.layer : null;

describe("a cut sweep over a label-budget ladder", () => {
  it("creates every run of budget × seed × (frozen, one partial per cut, full), and claims hand each its own budget and cut", async () => {
    const { id, runCount } = await h.member.experiment.create({
      ...PRESETS.digits,
      name: "sweep",
      seeds: 2,
      trainPerClassLadder: [30, 10, 100],
      cutSweep: "all",
    });
    // LeNet-5 has 4 weighted layers: cuts after conv1, conv2 and fc1.
    expect(runCount).toBe(3 * 2 * 5);
    const experiment = await h.viewer.experiment.byId({ experimentId: id });
    expect(experiment.trainPerClassLadder).toEqual([30, 10, 100]);
    expect(experiment.cutSweep).toBe("all");
    expect(experiment.trainPerClass).toBe(100);
    const keys = experiment.runs.map(
      (r) => `${r.trainPerClass}/${r.seed}/${r.strategy}/${cutOf(r.config) ?? "-"}`,
    );
    const expected = [10, 30, 100].flatMap((budget) =>
      [1, 2].flatMap((seed) =>
        ["frozen/-", "partial/conv1", "partial/conv2", "partial/fc1", "full/-"].map(
          (s) => `${budget}/${seed}/${s}`,
        ),
      ),
    );
    expect([...keys].sort()).toEqual([...expected].sort());
    const depthOf = Object.fromEntries(
      experiment.runs.map((r) => [`${r.strategy}/${cutOf(r.config) ?? "-"}`, r.trainedBaseLayers]),
    );
    expect(depthOf).toEqual({
      "frozen/-": 0,
      "partial/conv1": 3,
      "partial/conv2": 2,
      "partial/fc1": 1,
      "full/-": 4,
    });

    // Runs compared one by one show their own budget.
    const [small, large] = [10, 100].map(
      (n) => experiment.runs.find((r) => r.trainPerClass === n && r.strategy === "frozen")!.id,
    );
    const compared = await h.viewer.run.compare({ runIds: [small!, large!] });
    expect(compared.runs.map((r) => [r.run.id, r.settings.trainPerClass])).toEqual([
      [small, 10],
      [large, 100],
    ]);

    // Every claim carries the run's own budget and cut, not the experiment's.
    const worker = await h.worker.worker.register(workerInfoFixture);
    const byId = new Map(experiment.runs.map((r) => [r.id, r]));
    const claimed = new Set<string>();
    for (;;) {
      const spec = await h.worker.worker.claim({ workerId: worker.id });
      if (!spec) break;
      const run = byId.get(spec.runId)!;
      expect(spec.trainPerClass).toBe(run.trainPerClass);
      expect(spec.strategy).toEqual(run.config);
      claimed.add(spec.runId);
      await h.worker.worker.release({ workerId: worker.id, runId: spec.runId, reason: "test" });
      await h.db.run.update({ where: { id: spec.runId }, data: { status: "CANCELED" } });
    }
    expect(claimed.size).toBe(runCount);
  });

  it("refuses a sweep naming an unknown layer or too many runs, and creates nothing", async () => {
    const unknown = await trpcErrorOf(
      h.member.experiment.create({ ...PRESETS.digits, name: "x", cutSweep: ["conv1", "conv9"] }),
    );
    expect(unknown.code).toBe("BAD_REQUEST");
    expect(unknown.message).toMatch(/^cutSweep: "conv9" is not a layer of the base model/);
    const tooMany = await trpcErrorOf(
      h.member.experiment.create({
        ...PRESETS.digits,
        name: "x",
        seeds: 10,
        trainPerClassLadder: [10, 20, 30, 40, 50, 60],
        cutSweep: "all",
      }),
    );
    expect(tooMany.message).toBe(
      `cutSweep: this launch would create 300 runs (6 budget(s) × 10 seed(s) × 5 strategy setting(s)); at most ${MAX_RUNS_PER_LAUNCH} per launch: sweep fewer cut layers, budgets or seeds`,
    );
    const tooBig = await trpcErrorOf(
      h.member.experiment.create({ ...PRESETS.digits, name: "x", trainPerClassLadder: [10, 900] }),
    );
    expect(tooBig.message).toMatch(/^trainPerClassLadder: class "5" has only \d+ images/);
    expect(await h.db.experiment.count()).toBe(0);
  });
});
