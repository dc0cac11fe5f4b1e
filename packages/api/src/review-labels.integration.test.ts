import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PRESETS } from "@tlab/core/presets";
import { MAX_TAGS_PER_EXPERIMENT } from "@tlab/core/review";
import { createApiHarness, trpcErrorOf } from "./testing/api-harness";

// Tags, stars and run notes through the tRPC router on a real database, as each role.

type Harness = Awaited<ReturnType<typeof createApiHarness>>;
let h: Harness;
/** Advanced by hand, so two note saves never share a timestamp. */
let clock: Date;

async function launch(name: string): Promise<string> {
  return (
    await h.member.experiment.create({ ...PRESETS.digits, name, strategies: [{ kind: "frozen" }] })
  ).id;
}

const tick = () => (clock = new Date(clock.getTime() + 1000));

beforeEach(async () => {
  clock = new Date("2026-11-30T10:00:00.000Z");
  h = await createApiHarness({ now: () => clock });
});
afterEach(async () => h.cleanup());

describe("experiment tags", () => {
  it("members tag experiments; the list filters by tag and shows each row's tags; viewers only read", async () => {
    const [a, b, c] = [
      await launch("tagged a"),
      await launch("tagged b"),
      await launch("untagged c"),
    ];
    await h.member.review.addTag({ experimentId: a, tag: "Baseline " });
    await h.member.review.addTag({ experimentId: a, tag: "mnist" });
    await h.admin.review.addTag({ experimentId: b, tag: "baseline" });
    // Adding it again changes nothing.
    const labels = await h.member.review.addTag({ experimentId: a, tag: "baseline" });
    expect(labels.tags).toEqual(["baseline", "mnist"]);

    const page = await h.viewer.experiment.table({
      tag: "baseline",
      sort: "name",
      direction: "asc",
    });
    expect(page.items.map((e) => e.id)).toEqual([a, b]);
    expect(page.total).toBe(2);
    expect(page.items.map((e) => e.tags)).toEqual([["baseline", "mnist"], ["baseline"]]);
    expect((await h.viewer.experiment.table({ tag: "mnist" })).items.map((e) => e.id)).toEqual([a]);
    expect((await h.viewer.experiment.table({ tag: "nothing-has-this" })).total).toBe(0);
    expect((await h.viewer.experiment.table({})).items.find((e) => e.id === c)?.tags).toEqual([]);
    expect(await h.viewer.review.tagCounts()).toEqual([
      { tag: "baseline", experiments: 2 },
      { tag: "mnist", experiments: 1 },
    ]);

    expect((await trpcErrorOf(h.viewer.review.addTag({ experimentId: c, tag: "mine" }))).code).toBe(
      "FORBIDDEN",
    );
    expect(
      (await trpcErrorOf(h.viewer.review.removeTag({ experimentId: a, tag: "baseline" }))).code,
    ).toBe("FORBIDDEN");

    expect((await h.member.review.removeTag({ experimentId: a, tag: "baseline" })).tags).toEqual([
      "mnist",
    ]);
    expect((await h.viewer.experiment.table({ tag: "baseline" })).items.map((e) => e.id)).toEqual([
      b,
    ]);
    expect((await h.viewer.review.labels({ experimentId: a })).tags).toEqual(["mnist"]);
  });

  it("refuses malformed tags, a tag past the per-experiment limit and unknown experiments, naming the field", async () => {
    const id = await launch("strict tags");
    for (const tag of ["two words", "", "-leading-dash", "ünïcode", "x".repeat(41)]) {
      const error = await trpcErrorOf(h.member.review.addTag({ experimentId: id, tag }));
      expect(error.code, tag).toBe("BAD_REQUEST");
      expect(error.message, tag).toMatch(/tag: /);
    }
    expect(
      (await trpcErrorOf(h.member.review.addTag({ experimentId: id, tag: "two words" }))).message,
    ).toMatch(/lowercase letters, digits/);
    expect(
      (await trpcErrorOf(h.member.review.addTag({ experimentId: id, tag: "x".repeat(41) })))
        .message,
    ).toMatch(/at most 40 characters/);
    expect((await h.member.review.addTag({ experimentId: id, tag: "x".repeat(40) })).tags).toEqual([
      "x".repeat(40),
    ]);

    for (let i = 1; i < MAX_TAGS_PER_EXPERIMENT; i++)
      await h.member.review.addTag({ experimentId: id, tag: `t${i}` });
    const full = await trpcErrorOf(
      h.member.review.addTag({ experimentId: id, tag: "one-too-many" }),
    );
    expect(full.code).toBe("BAD_REQUEST");
    expect(full.message).toMatch(/tag: an experiment holds at most 20 tags/);
    // A tag it already has is not a new one.
    expect((await h.member.review.addTag({ experimentId: id, tag: "t1" })).tags).toHaveLength(
      MAX_TAGS_PER_EXPERIMENT,
    );
    expect((await h.viewer.review.labels({ experimentId: id })).tags).not.toContain("one-too-many");

    expect(
      (await trpcErrorOf(h.member.review.addTag({ experimentId: "no-such-experiment", tag: "x" })))
        .code,
    ).toBe("NOT_FOUND");
  });
});

describe("experiment stars", () => {
  it("counts each user's star once, shows each caller their own, and filters starred-by-me", async () => {
    const [a, b] = [await launch("star a"), await launch("star b")];
    await h.member.review.setStar({ experimentId: a, starred: true });
    await h.member.review.setStar({ experimentId: a, starred: true });
    await h.admin.review.setStar({ experimentId: a, starred: true });
    await h.admin.review.setStar({ experimentId: b, starred: true });

    expect(await h.member.review.labels({ experimentId: a })).toMatchObject({
      starCount: 2,
      starredByMe: true,
    });
    expect(await h.viewer.review.labels({ experimentId: a })).toMatchObject({
      starCount: 2,
      starredByMe: false,
    });
    expect(await h.member.review.labels({ experimentId: b })).toMatchObject({
      starCount: 1,
      starredByMe: false,
    });

    expect((await h.member.experiment.table({ starred: true })).items.map((e) => e.id)).toEqual([
      a,
    ]);
    expect(
      (await h.admin.experiment.table({ starred: true, sort: "name", direction: "asc" })).items.map(
        (e) => e.id,
      ),
    ).toEqual([a, b]);
    expect((await h.viewer.experiment.table({ starred: true })).total).toBe(0);
    const rows = (await h.viewer.experiment.table({ sort: "name", direction: "asc" })).items;
    expect(rows.map((e) => [e.starCount, e.starredByMe])).toEqual([
      [2, false],
      [1, false],
    ]);

    const unstarred = await h.member.review.setStar({ experimentId: a, starred: false });
    expect(unstarred).toMatchObject({ starCount: 1, starredByMe: false });
    expect((await h.member.experiment.table({ starred: true })).total).toBe(0);
    expect(
      (await trpcErrorOf(h.viewer.review.setStar({ experimentId: a, starred: true }))).code,
    ).toBe("FORBIDDEN");
  });
});

describe("the experiments list's decision column", () => {
  it("carries the current decision: null before any, then the adopted strategy or none", async () => {
    const id = await launch("decide me");
    const decisionOf = async () =>
      (await h.viewer.experiment.table({})).items.find((e) => e.id === id)?.decision;
    expect(await decisionOf()).toBeNull();
    await h.member.review.decide({
      experimentId: id,
      strategy: null,
      rationale: "one seed is not enough",
    });
    expect(await decisionOf()).toBe("none");
    tick();
    await h.member.review.decide({
      experimentId: id,
      strategy: "frozen",
      rationale: "cheapest, good enough",
    });
    expect(await decisionOf()).toBe("frozen");
  });
});

describe("run notes", () => {
  it("members edit a run's note in turn; it records who saved it and when; stale saves are refused", async () => {
    const experimentId = await launch("noted");
    const runId = (await h.viewer.experiment.byId({ experimentId: experimentId })).runs[0]!.id;
    expect(await h.viewer.review.runNote({ runId })).toBeNull();

    const first = await h.member.review.setRunNote({
      runId,
      body: "Diverged after **epoch 3**",
      baseEditedAt: null,
    });
    expect(first).toMatchObject({
      body: "Diverged after **epoch 3**",
      editedAt: clock.toISOString(),
    });
    expect(first.editedBy?.email).toBe("member@example.test");

    tick();
    const second = await h.admin.review.setRunNote({
      runId,
      body: "Diverged after epoch 3: LR too high",
      baseEditedAt: first.editedAt,
    });
    expect(second.editedBy?.email).toBe("admin@example.test");
    expect(second.editedAt).toBe(clock.toISOString());
    expect(await h.viewer.review.runNote({ runId })).toEqual(second);

    // The member still has the first version open: saving it would overwrite the admin's text.
    tick();
    const stale = await trpcErrorOf(
      h.member.review.setRunNote({ runId, body: "mine", baseEditedAt: first.editedAt }),
    );
    expect(stale.code).toBe("CONFLICT");
    expect(stale.message).toMatch(/baseEditedAt: admin saved this note/);
    expect(
      (
        await trpcErrorOf(
          h.member.review.setRunNote({ runId, body: "also mine", baseEditedAt: null }),
        )
      ).code,
    ).toBe("CONFLICT");
    expect((await h.viewer.review.runNote({ runId }))?.body).toBe(
      "Diverged after epoch 3: LR too high",
    );

    const feed = await h.viewer.review.activity({ experimentId, limit: 10 });
    const noted = feed.filter((a) => a.kind === "noted");
    expect(noted).toHaveLength(1);
    expect(noted[0]).toMatchObject({ runId, actor: { email: "admin@example.test" } });
    expect(noted[0]!.summary).toMatch(/frozen seed 1: Diverged after epoch 3/);
  });

  it("refuses viewers, over-long notes and unknown runs", async () => {
    const experimentId = await launch("note limits");
    const runId = (await h.viewer.experiment.byId({ experimentId: experimentId })).runs[0]!.id;
    expect((await trpcErrorOf(h.viewer.review.setRunNote({ runId, body: "hi" }))).code).toBe(
      "FORBIDDEN",
    );
    const long = await trpcErrorOf(h.member.review.setRunNote({ runId, body: "x".repeat(10_001) }));
    expect(long.code).toBe("BAD_REQUEST");
    expect(long.message).toMatch(/body: at most 10000 characters/);
    expect(await h.viewer.review.runNote({ runId })).toBeNull();
    expect(
      (await h.member.review.setRunNote({ runId, body: "x".repeat(10_000) })).body,
    ).toHaveLength(10_000);
    expect(
      (await trpcErrorOf(h.member.review.setRunNote({ runId: "no-such-run", body: "x" }))).code,
    ).toBe("NOT_FOUND");
    expect((await trpcErrorOf(h.viewer.review.runNote({ runId: "no-such-run" }))).code).toBe(
      "NOT_FOUND",
    );
  });
});
