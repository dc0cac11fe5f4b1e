import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TRPCError } from "@trpc/server";
import { PRESETS } from "@tlab/core/presets";
import type { FinalMetrics } from "@tlab/core/run";
import { createApiHarness, finalMetricsFixture, trpcErrorOf } from "./test-support";

type Harness = Awaited<ReturnType<typeof createApiHarness>>;
let h: Harness;
let experimentId: string;
let runIds: string[];

beforeEach(async () => {
  h = await createApiHarness();
  ({ id: experimentId } = await h.member.experiment.create({ ...PRESETS.digits, name: "review me", strategies: [{ kind: "frozen" }, { kind: "full" }] }));
  runIds = (await h.viewer.experiment.byId({ id: experimentId })).runs.map((r) => r.id);
});
afterEach(async () => h.cleanup());

async function codeOf(promise: Promise<unknown>): Promise<string> {
  return (await trpcErrorOf(promise)).code;
}

describe("comment threads", () => {
  it("members comment on experiments and runs; authors edit their own; authors and admins delete", async () => {
    const first = await h.member.review.addComment({ experimentId, body: "Full fine-tune looks **better**" });
    await h.admin.review.addComment({ experimentId, runId: runIds[0]!, body: "this seed diverged" });
    expect((await h.viewer.review.comments({ experimentId })).map((c) => [c.author.email, c.body])).toEqual([["member@example.test", "Full fine-tune looks **better**"]]);
    expect((await h.viewer.review.comments({ experimentId, runId: runIds[0]! })).map((c) => c.body)).toEqual(["this seed diverged"]);

    expect(await codeOf(h.viewer.review.addComment({ experimentId, body: "hi" }))).toBe("FORBIDDEN");
    expect(await codeOf(h.admin.review.editComment({ id: first.id, body: "hijacked" }))).toBe("FORBIDDEN");
    const edited = await h.member.review.editComment({ id: first.id, body: "Full fine-tune wins" });
    expect(edited.editedAt).not.toBeNull();
    await h.admin.review.deleteComment({ id: first.id });
    expect(await h.viewer.review.comments({ experimentId })).toEqual([]);
  });

  it("refuses empty, oversized and misplaced comments with the field named", async () => {
    expect(await codeOf(h.member.review.addComment({ experimentId, body: "   " }))).toBe("BAD_REQUEST");
    const long = await h.member.review.addComment({ experimentId, body: "x".repeat(10_001) }).catch((e: TRPCError) => e);
    expect((long as TRPCError).message).toMatch(/body: at most 10000 characters/);
    const elsewhere = await h.member.review.addComment({ experimentId, runId: "not-a-run", body: "x" }).catch((e: TRPCError) => e);
    expect((elsewhere as TRPCError).code).toBe("NOT_FOUND");
  });
});

describe("decisions and activity", () => {
  it("keeps the decision history, newest first, and the activity feed shows launches, results, comments and decisions", async () => {
    await h.member.review.decide({ experimentId, strategy: null, rationale: "waiting for the second seed" });
    await new Promise((r) => setTimeout(r, 5));
    await h.admin.review.decide({ experimentId, strategy: "full", rationale: "best accuracy at acceptable cost" });
    const decisions = await h.viewer.review.decisions({ experimentId });
    expect(decisions.map((d) => [d.strategy, d.decidedBy.email])).toEqual([
      ["full", "admin@example.test"],
      [null, "member@example.test"],
    ]);
    expect(await codeOf(h.viewer.review.decide({ experimentId, strategy: "frozen", rationale: "x" }))).toBe("FORBIDDEN");

    // The experiments list filters by the current decision.
    const { id: other } = await h.member.experiment.create({ ...PRESETS.digits, name: "not reviewed", strategies: [{ kind: "frozen" }] });
    expect((await h.viewer.experiment.table({ decision: "full" })).items.map((e) => e.id)).toEqual([experimentId]);
    expect((await h.viewer.experiment.table({ decision: "undecided" })).items.map((e) => e.id)).toEqual([other]);
    expect((await h.viewer.experiment.table({ decision: "frozen" })).total).toBe(0);

    const worker = await h.worker.worker.register({ name: "w", hostname: "h", backend: "wasm", device: "cpu", versions: {} });
    const spec = (await h.worker.worker.claim({ workerId: worker.id }))!;
    await h.worker.worker.complete({ workerId: worker.id, runId: spec.runId, metrics: reviewFinalMetrics(0.93) });
    await h.member.review.addComment({ experimentId, body: "nice" });
    const feed = await h.viewer.review.activity({ experimentId, limit: 10 });
    expect(feed.map((a) => a.kind).sort()).toEqual(["commented", "decided", "decided", "finished", "launched"]);
    expect(feed.find((a) => a.kind === "finished")?.summary).toMatch(/test accuracy 93\.0%/);
    expect((await h.viewer.review.activity({ limit: 2 })).length).toBe(2);
  });

  it("exports the comparison and a run's metrics as CSV and JSON", async () => {
    const worker = await h.worker.worker.register({ name: "w", hostname: "h", backend: "wasm", device: "cpu", versions: {} });
    const spec = (await h.worker.worker.claim({ workerId: worker.id }))!;
    await h.worker.worker.reportMetrics({ workerId: worker.id, runId: spec.runId, points: [{ name: "val/accuracy", step: 1, value: 0.5 }, { name: "val/accuracy", step: 2, value: 0.75 }, { name: "train/loss", step: 1, value: 1.25 }] });
    await h.worker.worker.complete({ workerId: worker.id, runId: spec.runId, metrics: reviewFinalMetrics(0.9) });

    const csv = await h.services.export.experiment(experimentId, "csv");
    const lines = csv.body.trim().split("\r\n");
    expect(lines[0]).toMatch(/^runId,strategy,seed,status,attempt,testAccuracy/);
    expect(lines).toHaveLength(3);
    expect(lines.find((l) => l.startsWith(spec.runId))).toContain(",SUCCEEDED,1,0.9,");
    const json = JSON.parse((await h.services.export.experiment(experimentId, "json")).body) as { experiment: { name: string }; runs: unknown[] };
    expect(json.experiment.name).toBe("review me");
    expect(json.runs).toHaveLength(2);

    expect((await h.services.export.runMetrics(spec.runId, "csv")).body).toBe("name,step,value\r\ntrain/loss,1,1.25\r\nval/accuracy,1,0.5\r\nval/accuracy,2,0.75\r\n");
    const series = JSON.parse((await h.services.export.runMetrics(spec.runId, "json")).body) as { series: { name: string; points: unknown[] }[] };
    expect(series.series.find((s) => s.name === "val/accuracy")?.points).toHaveLength(2);
  });
});


function reviewFinalMetrics(testAccuracy: number) {
  return finalMetricsFixture({ testAccuracy, bestEpoch: 1, epochsRun: 1, wallTimeMs: 10, trainImagesPerSec: 100 });
}
