import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ExperimentTableInput } from "@tlab/core/table-queries";
import { createTestDb, testDbProvider, type TestDb } from "../testing/create-test-db";
import { seedQueuedRuns } from "../testing/fixtures";
import { ExperimentLabelRepository } from "./experiment-label-repository";
import { ExperimentQueryRepository } from "./experiment-query-repository";
import { RunNoteRepository } from "./run-note-repository";

const provider = testDbProvider();
let t: TestDb;

beforeEach(async () => {
  t = await createTestDb();
});
afterEach(async () => t.cleanup());

async function user(email: string): Promise<string> {
  return (
    await t.db.user.create({
      data: { id: crypto.randomUUID(), email, name: email.split("@")[0]!, role: "member" },
      select: { id: true },
    })
  ).id;
}

describe(`experiment tags and stars on ${provider}`, () => {
  it("filter the experiments table by tag and by the viewer's stars, combined with the other filters and paging", async () => {
    const [ann, bob] = [await user("ann@example.test"), await user("bob@example.test")];
    const ids: string[] = [];
    for (const name of ["alpha", "beta", "gamma", "delta"])
      ids.push((await seedQueuedRuns(t.db, t.provider, { runs: 1, name })).experimentId);
    const [alpha, beta, gamma, delta] = ids as [string, string, string, string];
    const labels = new ExperimentLabelRepository(t.db);
    for (const id of [alpha, beta, gamma]) await labels.addTag(id, "baseline", ann);
    await labels.addTag(alpha, "augmented", bob);
    await labels.addTag(alpha, "augmented", ann);
    await labels.setStar(beta, ann, true);
    await labels.setStar(delta, ann, true);
    await labels.setStar(beta, bob, true);

    const table = new ExperimentQueryRepository(t.db, t.provider);
    const page = (input: ExperimentTableInput, viewer: string | null) =>
      table.page(ExperimentTableInput.parse(input), viewer);
    const names = async (input: ExperimentTableInput, viewer: string | null = ann) =>
      (await page({ sort: "name", direction: "asc", ...input }, viewer)).items.map((e) => e.name);

    expect(await names({ tag: "baseline" })).toEqual(["alpha", "beta", "gamma"]);
    expect(await names({ tag: "augmented" })).toEqual(["alpha"]);
    expect(await names({ starred: true })).toEqual(["beta", "delta"]);
    expect(await names({ starred: true }, bob)).toEqual(["beta"]);
    expect(await names({ starred: true }, null)).toEqual([]);
    expect(await names({ tag: "baseline", starred: true })).toEqual(["beta"]);
    expect(await names({ tag: "baseline", search: "MM" })).toEqual(["gamma"]);

    // Keyset pages over a tag filter: every tagged experiment exactly once.
    const first = await page({ tag: "baseline", sort: "name", direction: "asc", limit: 2 }, ann);
    const second = await page(
      { tag: "baseline", sort: "name", direction: "asc", limit: 2, cursor: first.nextCursor },
      ann,
    );
    expect([...first.items, ...second.items].map((e) => e.name)).toEqual([
      "alpha",
      "beta",
      "gamma",
    ]);
    expect(first.total).toBe(3);
    expect(second.nextCursor).toBeNull();

    const rows = (await page({ sort: "name", direction: "asc" }, ann)).items;
    expect(rows.map((r) => [r.name, r.tags, r.starCount, r.starredByMe])).toEqual([
      ["alpha", ["augmented", "baseline"], 0, false],
      ["beta", ["baseline"], 2, true],
      ["delta", [], 1, true],
      ["gamma", ["baseline"], 0, false],
    ]);
    expect(await labels.tagCounts()).toEqual([
      { tag: "augmented", experiments: 1 },
      { tag: "baseline", experiments: 3 },
    ]);

    // Deleting an experiment takes its tags and stars with it.
    await t.db.experiment.delete({ where: { id: beta } });
    expect(await labels.tagCounts()).toContainEqual({ tag: "baseline", experiments: 2 });
    expect(await names({ starred: true }, bob)).toEqual([]);
  });
});

describe(`run notes on ${provider}`, () => {
  it("save only over the version the editor started from, and outlive the editor's account", async () => {
    const [ann, bob] = [await user("ann@example.test"), await user("bob@example.test")];
    const { runIds } = await seedQueuedRuns(t.db, t.provider, { runs: 1 });
    const runId = runIds[0]!;
    const notes = new RunNoteRepository(t.db);
    const t1 = new Date("2026-11-30T10:00:00.123Z");
    const first = await notes.save(runId, "first", ann, t1, null);
    expect(first).toMatchObject({
      body: "first",
      editedAt: t1.toISOString(),
      editedBy: { id: ann },
    });
    expect(
      await notes.save(runId, "racing create", bob, new Date(t1.getTime() + 1), null),
    ).toBeNull();

    const t2 = new Date(t1.getTime() + 1000);
    expect(await notes.save(runId, "second", bob, t2, t1)).toMatchObject({
      body: "second",
      editedBy: { id: bob },
    });
    expect(await notes.save(runId, "stale", ann, new Date(t2.getTime() + 1000), t1)).toBeNull();
    expect((await notes.note(runId))?.body).toBe("second");

    await t.db.user.delete({ where: { id: bob } });
    expect(await notes.note(runId)).toMatchObject({
      body: "second",
      editedBy: null,
      editedAt: t2.toISOString(),
    });
  });
});
