import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { TRPCError } from "@trpc/server";
import { PRESETS } from "@tlab/core/presets";
import type { ActivityDto } from "@tlab/core/review";
import {
  createApiHarness,
  finalMetricsFixture,
  trpcErrorOf,
  workerInfoFixture,
} from "./testing/api-harness";

type Harness = Awaited<ReturnType<typeof createApiHarness>>;
let h: Harness;
let experimentId: string;
let runIds: string[];

beforeEach(async () => {
  h = await createApiHarness();
  ({ id: experimentId } = await h.member.experiment.create({
    ...PRESETS.digits,
    name: "review me",
    strategies: [{ kind: "frozen" }, { kind: "full" }],
  }));
  runIds = (await h.viewer.experiment.byId({ experimentId: experimentId })).runs.map((r) => r.id);
});
afterEach(async () => h.cleanup());

async function codeOf(promise: Promise<unknown>): Promise<string> {
  return (await trpcErrorOf(promise)).code;
}

describe("comment threads", () => {
  it("members comment on experiments and runs; authors edit their own; authors and admins delete", async () => {
    const first = await h.member.review.addComment({
      experimentId,
      body: "Full fine-tune looks **better**",
    });
    await h.admin.review.addComment({
      experimentId,
      runId: runIds[0]!,
      body: "this seed diverged",
    });
    expect(
      (await h.viewer.review.comments({ experimentId })).map((c) => [c.author.email, c.body]),
    ).toEqual([["member@example.test", "Full fine-tune looks **better**"]]);
    expect(
      (await h.viewer.review.comments({ experimentId, runId: runIds[0]! })).map((c) => c.body),
    ).toEqual(["this seed diverged"]);

    expect(await codeOf(h.viewer.review.addComment({ experimentId, body: "hi" }))).toBe(
      "FORBIDDEN",
    );
    expect(await codeOf(h.admin.review.editComment({ id: first.id, body: "hijacked" }))).toBe(
      "FORBIDDEN",
    );
    const edited = await h.member.review.editComment({ id: first.id, body: "Full fine-tune wins" });
    expect(edited.editedAt).not.toBeNull();
    await h.admin.review.deleteComment({ id: first.id });
    expect(await h.viewer.review.comments({ experimentId })).toEqual([]);
  });

  it("refuses empty, oversized and misplaced comments with the field named", async () => {
    expect(await codeOf(h.member.review.addComment({ experimentId, body: "   " }))).toBe(
      "BAD_REQUEST",
    );
    const long = await h.member.review
      .addComment({ experimentId, body: "x".repeat(10_001) })
      .catch((e: TRPCError) => e);
    expect((long as TRPCError).message).toMatch(/body: at most 10000 characters/);
    const elsewhere = await h.member.review
      .addComment({ experimentId, runId: "not-a-run", body: "x" })
      .catch((e: TRPCError) => e);
    expect((elsewhere as TRPCError).code).toBe("NOT_FOUND");
  });
});

describe("decisions and activity", () => {
  it("keeps the decision history, newest first, and the activity feed shows launches, results, comments and decisions", async () => {
    await h.member.review.decide({
      experimentId,
      strategy: null,
      rationale: "waiting for the second seed",
    });
    await new Promise((r) => setTimeout(r, 5));
    await h.admin.review.decide({
      experimentId,
      strategy: "full",
      rationale: "best accuracy at acceptable cost",
    });
    const decisions = await h.viewer.review.decisions({ experimentId });
    expect(decisions.map((d) => [d.strategy, d.decidedBy.email])).toEqual([
      ["full", "admin@example.test"],
      [null, "member@example.test"],
    ]);
    expect(
      await codeOf(h.viewer.review.decide({ experimentId, strategy: "frozen", rationale: "x" })),
    ).toBe("FORBIDDEN");

    // The experiments list filters by the current decision.
    const { id: other } = await h.member.experiment.create({
      ...PRESETS.digits,
      name: "not reviewed",
      strategies: [{ kind: "frozen" }],
    });
    expect((await h.viewer.experiment.table({ decision: "full" })).items.map((e) => e.id)).toEqual([
      experimentId,
    ]);
    expect(
      (await h.viewer.experiment.table({ decision: "undecided" })).items.map((e) => e.id),
    ).toEqual([other]);
    expect((await h.viewer.experiment.table({ decision: "frozen" })).total).toBe(0);

    const worker = await h.worker.worker.register({
      name: "w",
      hostname: "h",
      backend: "wasm",
      device: "cpu",
      versions: {},
    });
    const spec = (await h.worker.worker.claim({ workerId: worker.id }))!;
    await h.worker.worker.complete({
      workerId: worker.id,
      runId: spec.runId,
      metrics: reviewFinalMetrics(0.93),
    });
    await h.member.review.addComment({ experimentId, body: "nice" });
    const feed = await h.viewer.review.activity({ experimentId, limit: 10 });
    expect(feed.map((a) => a.kind).sort()).toEqual([
      "commented",
      "decided",
      "decided",
      "finished",
      "launched",
    ]);
    expect(feed.find((a) => a.kind === "finished")?.summary).toMatch(/test accuracy 93\.0%/);
    expect((await h.viewer.review.activity({ limit: 2 })).length).toBe(2);
  });

  it("exports the comparison and a run's metrics as CSV and JSON", async () => {
    const worker = await h.worker.worker.register({
      name: "w",
      hostname: "h",
      backend: "wasm",
      device: "cpu",
      versions: {},
    });
    const spec = (await h.worker.worker.claim({ workerId: worker.id }))!;
    await h.worker.worker.reportMetrics({
      workerId: worker.id,
      runId: spec.runId,
      points: [
        { name: "val/accuracy", step: 1, value: 0.5 },
        { name: "val/accuracy", step: 2, value: 0.75 },
        { name: "train/loss", step: 1, value: 1.25 },
      ],
    });
    await h.worker.worker.complete({
      workerId: worker.id,
      runId: spec.runId,
      metrics: reviewFinalMetrics(0.9),
    });

    const csv = await h.services.export.experiment(experimentId, "csv");
    const lines = csv.body.trim().split("\r\n");
    expect(lines[0]).toMatch(/^runId,strategy,seed,trainPerClass,cut,status,attempt,testAccuracy/);
    expect(lines).toHaveLength(3);
    const row = lines.find((l) => l.startsWith(spec.runId));
    expect(row).toContain(",SUCCEEDED,1,0.9,");
    // Each run's own label budget (a ladder's runs differ in it).
    expect(row?.split(",")[3]).toMatch(/^[1-9]\d*$/);
    const json = JSON.parse((await h.services.export.experiment(experimentId, "json")).body) as {
      experiment: { name: string };
      runs: unknown[];
    };
    expect(json.experiment.name).toBe("review me");
    expect(json.runs).toHaveLength(2);

    expect((await h.services.export.runMetrics(spec.runId, "csv")).body).toBe(
      "name,step,value\r\ntrain/loss,1,1.25\r\nval/accuracy,1,0.5\r\nval/accuracy,2,0.75\r\n",
    );
    const series = JSON.parse((await h.services.export.runMetrics(spec.runId, "json")).body) as {
      series: { name: string; points: unknown[] }[];
    };
    expect(series.series.find((s) => s.name === "val/accuracy")?.points).toHaveLength(2);
  });

  it("exports a failure reason only for runs that failed or were canceled; a requeued run that then succeeded carries it as requeueReason", async () => {
    const worker = await h.worker.worker.register({
      name: "w",
      hostname: "h",
      backend: "wasm",
      device: "cpu",
      versions: {},
    });
    const first = (await h.worker.worker.claim({ workerId: worker.id }))!;
    await h.worker.worker.release({
      workerId: worker.id,
      runId: first.runId,
      reason: "worker shut down; requeued",
    });
    const again = (await h.worker.worker.claim({ workerId: worker.id }))!;
    expect(again).toMatchObject({ runId: first.runId, attempt: 2 });
    await h.worker.worker.complete({
      workerId: worker.id,
      runId: again.runId,
      metrics: reviewFinalMetrics(0.9),
    });
    const other = (await h.viewer.experiment.byId({ experimentId: experimentId })).runs.find(
      (r) => r.id !== first.runId,
    )!;
    expect(await h.member.run.cancel({ runId: other.id })).toEqual({ status: "CANCELED" });
    // A run that succeeded has no failure reason; the earlier attempt's stays in its timeline.
    expect((await h.viewer.run.byId({ runId: first.runId })).failureReason).toBeNull();

    const [header, ...lines] = (await h.services.export.experiment(experimentId, "csv")).body
      .trim()
      .split("\r\n");
    const columns = header!.split(",");
    expect(columns.slice(-2)).toEqual(["failureReason", "requeueReason"]);
    const cells = (runId: string) => {
      const row = lines.find((l) => l.startsWith(runId))!.split(",");
      return {
        status: row[columns.indexOf("status")],
        failureReason: row[columns.indexOf("failureReason")],
        requeueReason: row[columns.indexOf("requeueReason")],
      };
    };
    expect(cells(first.runId)).toEqual({
      status: "SUCCEEDED",
      failureReason: "",
      requeueReason: "worker shut down; requeued",
    });
    expect(cells(other.id)).toEqual({
      status: "CANCELED",
      failureReason: "canceled before it started",
      requeueReason: "",
    });

    const json = JSON.parse((await h.services.export.experiment(experimentId, "json")).body) as {
      runs: { runId: string; failureReason: string | null; requeueReason: string | null }[];
    };
    expect(json.runs.find((r) => r.runId === first.runId)).toMatchObject({
      failureReason: null,
      requeueReason: "worker shut down; requeued",
    });
    expect(json.runs.find((r) => r.runId === other.id)).toMatchObject({
      failureReason: "canceled before it started",
      requeueReason: null,
    });
  });
});

describe("who did what in the activity feed", () => {
  it("names who launched each experiment (signed in or with a personal token) and who asked to cancel or retry each run", async () => {
    // The member launched "review me" in beforeEach; the admin launches one with a personal API token, as the CLI does.
    const { token } = await h.services.tokens.create("personal", h.users.admin, { name: "cli" });
    const cli = h.as(await h.services.tokens.authenticate(token, null));
    await cli.experiment.create({
      ...PRESETS.digits,
      name: "from the cli",
      strategies: [{ kind: "frozen" }],
    });
    // No user behind a launch (a script calling the service): no actor.
    await h.services.experiments.create(
      { ...PRESETS.digits, name: "unattended", strategies: [PRESETS.digits.strategies[0]!] },
      null,
    );

    const runs = (await h.viewer.experiment.byId({ experimentId: experimentId })).runs;
    const frozen = runs.find((r) => r.strategy === "frozen")!;
    const full = runs.find((r) => r.strategy === "full")!;
    // The member cancels the queued full run, which ends at once; asking again changes nothing and is not recorded.
    expect(await h.member.run.cancel({ runId: full.id })).toEqual({ status: "CANCELED" });
    expect(await h.member.run.cancel({ runId: full.id })).toEqual({ status: "CANCELED" });
    // A worker trains the frozen run; the admin asks it to stop (twice), and the worker ends it canceled.
    const worker = await h.worker.worker.register(workerInfoFixture);
    expect((await h.worker.worker.claim({ workerId: worker.id }))?.runId).toBe(frozen.id);
    expect(await h.admin.run.cancel({ runId: frozen.id })).toEqual({ status: "RUNNING" });
    expect(await h.admin.run.cancel({ runId: frozen.id })).toEqual({ status: "RUNNING" });
    await h.worker.worker.fail({
      workerId: worker.id,
      runId: frozen.id,
      reason: "canceled on request",
      canceled: true,
    });
    // Both runs ended canceled: those entries are the runs' own, with no actor (until a retry requeues them).
    const ended = await h.viewer.review.activity({ experimentId, limit: 50 });
    expect(
      ended
        .filter((a) => a.kind === "failed")
        .map((a) => [a.runId, a.actor])
        .sort(),
    ).toEqual(
      [
        [frozen.id, null],
        [full.id, null],
      ].sort(),
    );
    // Retries train the next attempt: the full run never started, the frozen one ran once.
    await h.member.run.retry({ runId: full.id });
    await h.admin.run.retry({ runId: frozen.id });

    type Entry = [kind: string, experiment: string, actor: string | null, summary: string];
    const entries = (feed: ActivityDto[]): Entry[] =>
      feed
        .filter((a) => a.kind !== "failed")
        .map((a): Entry => [a.kind, a.experimentName, a.actor?.email ?? null, a.summary])
        .sort((a, b) => a.join().localeCompare(b.join()));
    const reviewMe: Entry[] = [
      ["canceled", "review me", "admin@example.test", "frozen seed 1: cancel requested"],
      ["canceled", "review me", "member@example.test", "full seed 1: cancel requested"],
      ["launched", "review me", "member@example.test", "2 runs queued"],
      ["retried", "review me", "admin@example.test", "frozen seed 1: retried (attempt 2)"],
      ["retried", "review me", "member@example.test", "full seed 1: retried (attempt 1)"],
    ];
    const feed = await h.viewer.review.activity({ experimentId, limit: 50 });
    expect(entries(feed)).toEqual(reviewMe);
    expect(
      feed
        .filter((a) => a.kind === "canceled" || a.kind === "retried")
        .map((a) => a.runId)
        .sort(),
    ).toEqual([frozen.id, frozen.id, full.id, full.id].sort());

    const everything: Entry[] = [
      ...reviewMe,
      ["launched", "from the cli", "admin@example.test", "1 run queued"],
      ["launched", "unattended", null, "1 run queued"],
    ];
    expect(entries(await h.viewer.review.activity({ limit: 50 }))).toEqual(
      everything.sort((a, b) => a.join().localeCompare(b.join())),
    );

    // Removing an account keeps what it did, without a name.
    await h.db.user.delete({ where: { id: h.users.member.id } });
    const afterDelete = entries(await h.admin.review.activity({ experimentId, limit: 50 }));
    expect(
      afterDelete
        .filter(([, , actor]) => actor === null)
        .map(([kind, , , summary]) => [kind, summary]),
    ).toEqual([
      ["canceled", "full seed 1: cancel requested"],
      ["launched", "2 runs queued"],
      ["retried", "full seed 1: retried (attempt 1)"],
    ]);
    expect(afterDelete).toHaveLength(reviewMe.length);
  });
});

function reviewFinalMetrics(testAccuracy: number) {
  return finalMetricsFixture({
    testAccuracy,
    bestEpoch: 1,
    epochsRun: 1,
    wallTimeMs: 10,
    trainImagesPerSec: 100,
  });
}
