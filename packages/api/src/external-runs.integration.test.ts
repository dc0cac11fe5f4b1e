import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  CreateExternalExperimentInput,
  FinishExternalRunInput,
  StartExternalRunInput,
} from "@tlab/core/external-run";
import { PRESETS } from "@tlab/core/presets";
import { createApiHarness, trpcErrorOf, workerInfoFixture } from "./testing/api-harness";

type Harness = Awaited<ReturnType<typeof createApiHarness>>;
let h: Harness;

beforeEach(async () => {
  h = await createApiHarness();
});
afterEach(async () => h.cleanup());

async function externalExperiment(clientKey?: string) {
  return h.services.external.createExperiment(
    CreateExternalExperimentInput.parse({
      name: "resnet18 → flowers",
      baseModel: "resnet18-imagenet",
      baseModelDescription: "torchvision weights",
      dataset: "flowers-102",
      clientKey,
    }),
    h.users.member,
  );
}

const start = (experimentId: string, input: Record<string, unknown>) =>
  h.services.external.startRun(experimentId, StartExternalRunInput.parse(input));

describe("external experiments and client-reported runs", () => {
  it("records runs the client reports and compares them like built-in ones", async () => {
    const { id } = await externalExperiment();
    // Predictions and accuracy agree: 2, 4 and 3 of the 4 test images right.
    const accuracy = { frozen: 0.5, partial: 1, full: 0.75 } as const;
    const predicted = { frozen: [0, 1, 1, 1], partial: [0, 1, 2, 2], full: [0, 1, 1, 2] } as const;
    const confusion = {
      frozen: [
        [1, 0, 0],
        [0, 1, 0],
        [0, 2, 0],
      ],
      partial: [
        [1, 0, 0],
        [0, 1, 0],
        [0, 0, 2],
      ],
      full: [
        [1, 0, 0],
        [0, 1, 0],
        [0, 1, 1],
      ],
    };
    for (const strategy of ["frozen", "partial", "full"] as const) {
      for (const seed of [1, 2]) {
        const { run } = await start(id, {
          strategy,
          seed,
          settings: { cut: "layer3", learningRate: 0.01, extra: { optimizer: "sgd" } },
          trainableParams: 1000,
          totalParams: 5000,
        });
        expect(run.status).toBe("RUNNING");
        expect(run.reportedByClient).toBe(true);
        const points = [1, 2, 3].flatMap((epoch) => [
          { name: "train/loss", step: epoch, value: 1 / epoch },
          { name: "val/accuracy", step: epoch, value: epoch === 2 ? 0.9 : 0.5 + seed / 100 },
        ]);
        await h.services.external.logMetrics(run.id, { points });
        // A retried batch overwrites the same points.
        await h.services.external.logMetrics(run.id, { points });
        await h.services.external.finish(
          run.id,
          FinishExternalRunInput.parse({
            testAccuracy: accuracy[strategy],
            classNames: ["a", "b", "c"],
            labels: [0, 1, 2, 2],
            predicted: [...predicted[strategy]],
            confidences: [0.9, 0.8, 0.6, 0.7],
          }),
        );
      }
    }
    const comparison = await h.services.comparison.compare(id);
    expect(comparison.experiment.source).toBe("external");
    expect(comparison.experiment.baseModelName).toBe("resnet18-imagenet");
    expect(comparison.experiment.datasetName).toBe("flowers-102");
    expect(comparison.experiment.seeds).toBe(2);
    expect(comparison.experiment.epochs).toBe(3);
    expect(comparison.series).toHaveLength(6);
    for (const s of comparison.series) {
      expect(s.metrics.find((m) => m.name === "train/loss")?.points).toHaveLength(3);
    }
    expect(Object.values(comparison.finalMetrics ?? {})).toHaveLength(6);
    for (const run of comparison.experiment.runs) {
      const m = comparison.finalMetrics?.[run.id];
      expect(m?.confusionMatrix).toEqual(confusion[run.strategy]);
      if (!m) continue;
      expect(m.bestEpoch).toBe(2);
      expect(m.epochsRun).toBe(3);
      expect(m.trainableParams).toBe(1000);
      expect(m.perClass.map((c) => c.support)).toEqual([1, 1, 2]);
    }
    const partial = comparison.experiment.runs.filter((r) => r.strategy === "partial");
    expect(partial.map((r) => r.testAccuracy)).toEqual([1, 1]);
    const first = partial[0]!;
    expect(first.config).toMatchObject({ kind: "partial", cut: { by: "layer", layer: "layer3" } });
    const reported = await h.services.external.reported(first.id);
    expect(reported.settings?.extra).toEqual({ optimizer: "sgd" });
    expect(reported.predictions?.predictions[2]).toEqual({
      index: 2,
      label: 2,
      predicted: 2,
      confidence: 0.6,
    });
    // Served like a built-in run's, and read by the one-seed test: frozen vs full differ on image 3.
    const served = await h.services.predictions.response(first.id);
    expect(served.predictions.map((p) => p.predicted)).toEqual([0, 1, 2, 2]);
    const oneSeed = await h.services.comparison.strategyComparisons(
      { ...comparison.experiment, runs: comparison.experiment.runs.filter((r) => r.seed === 1) },
      comparison.finalMetrics ?? {},
    );
    expect(oneSeed.find((c) => c.a === "frozen" && c.b === "full")).toMatchObject({
      method: "mcnemar",
      n: 4,
      meanDifference: 0.25,
      pValue: 1,
    });
    const page = await h.viewer.run.byId({ runId: first.id });
    expect(page.reportedByClient).toBe(true);
    expect(page.clientSettings).toEqual({
      cut: "layer3",
      learningRate: 0.01,
      extra: { optimizer: "sgd" },
    });
    // The tRPC experiment page reads it the same way.
    const byTrpc = await h.viewer.experiment.compare({ experimentId: id });
    expect(byTrpc.series).toHaveLength(6);
  });

  it("stores the predictions' own accuracy when a client's float32 mean rounds it", async () => {
    const { id } = await externalExperiment();
    const { run } = await start(id, { strategy: "frozen", seed: 1 });
    await h.services.external.finish(
      run.id,
      FinishExternalRunInput.parse({
        testAccuracy: Math.fround(2 / 3),
        classNames: ["a", "b", "c"],
        labels: [0, 1, 2],
        predicted: [0, 1, 0],
      }),
    );
    const { finalMetrics } = await h.services.comparison.compare(id);
    expect(finalMetrics?.[run.id]?.testAccuracy).toBe(2 / 3);
    const served = await h.services.predictions.response(run.id);
    const right = served.predictions.filter((p) => p.label === p.predicted).length;
    expect(right / served.predictions.length).toBe(finalMetrics?.[run.id]?.testAccuracy);
  });

  it("is idempotent for retried creates, finishes and fails", async () => {
    const a = await externalExperiment("key-123456");
    const b = await externalExperiment("key-123456");
    expect(b).toEqual({ id: a.id, created: false });
    const first = await start(a.id, { strategy: "full", seed: 1, clientKey: "run-key-1" });
    const again = await start(a.id, { strategy: "full", seed: 1, clientKey: "run-key-1" });
    expect(again.run.id).toBe(first.run.id);
    expect(again.created).toBe(false);
    const finish = FinishExternalRunInput.parse({ testAccuracy: 0.5 });
    await h.services.external.finish(first.run.id, finish);
    await expect(h.services.external.finish(first.run.id, finish)).resolves.toEqual({
      status: "SUCCEEDED",
    });
    await expect(h.services.external.fail(first.run.id, "late")).rejects.toThrow(
      /already ended SUCCEEDED/,
    );
    await expect(
      h.services.external.logMetrics(first.run.id, {
        points: [{ name: "train/loss", step: 1, value: 1 }],
      }),
    ).rejects.toThrow(/has ended/);
    const other = await start(a.id, { strategy: "frozen", seed: 1 });
    await h.services.external.fail(other.run.id, "CUDA out of memory");
    await expect(h.services.external.fail(other.run.id, "again")).resolves.toEqual({
      status: "FAILED",
    });
    const detail = await h.viewer.run.byId({ runId: other.run.id });
    expect(detail.failureReason).toBe("CUDA out of memory");
  });

  it("never hands client-reported runs to workers, nor lets them be retried", async () => {
    const { id } = await externalExperiment();
    const { run } = await start(id, { strategy: "frozen", seed: 1 });
    const worker = await h.worker.worker.register(workerInfoFixture);
    expect(await h.worker.worker.claim({ workerId: worker.id })).toBeNull();
    await h.services.external.fail(run.id, "stopped");
    const error = await trpcErrorOf(h.member.run.retry({ runId: run.id }));
    expect(error.message).toMatch(/reported by a client/);
  });

  it("refuses reports for built-in runs and unknown ids, naming the field", async () => {
    const launched = await h.user.experiment.create({ ...PRESETS.digits, name: "built-in" });
    await expect(start(launched.id, { strategy: "full", seed: 1 })).rejects.toThrow(
      /experimentId: .* trained by workers/,
    );
    await expect(start("nope", { strategy: "full", seed: 1 })).rejects.toThrow(
      /experimentId: no experiment/,
    );
    const builtInRun = (await h.viewer.experiment.byId({ experimentId: launched.id })).runs[0]!;
    await expect(h.services.external.fail(builtInRun.id, "x")).rejects.toThrow(
      /trained by a worker/,
    );
  });

  it("validates finish input: matching lengths, class indexes, square matrices", () => {
    const issues = (input: unknown) =>
      FinishExternalRunInput.safeParse(input).error?.issues.map((i) => i.message) ?? [];
    expect(issues({ testAccuracy: 1.5 })).toEqual(["must be a number from 0 to 1"]);
    expect(issues({ testAccuracy: 0.5, labels: [0, 1], predicted: [0] })[0]).toMatch(
      /^predicted: has 1 entries/,
    );
    expect(
      issues({ testAccuracy: 0, classNames: ["a", "b"], labels: [2], predicted: [0] })[0],
    ).toMatch(/^labels: class 2 is beyond/);
    expect(issues({ testAccuracy: 0.5, confusionMatrix: [[1, 0]] })[0]).toMatch(
      /^confusionMatrix: must be square/,
    );
    expect(issues({ testAccuracy: 0, labels: [0, 1], predicted: [1, 0] })).toEqual([]);
    // A framework's float32 mean names the same count: accepted.
    expect(
      issues({ testAccuracy: 0.6666666865348816, labels: [0, 1, 2], predicted: [0, 1, 0] }),
    ).toEqual([]);
    expect(issues({ testAccuracy: 0.5, labels: [0, 1], predicted: [1, 0] })).toEqual([
      "testAccuracy: is 0.5 but the predictions given are 0 of 2 right (0): report the accuracy of the same test images",
    ]);
  });
});
