import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PRESETS } from "@tlab/core/presets";
import { RunSortField } from "@tlab/core/table-queries";
import {
  createApiHarness,
  finalMetricsFixture,
  trpcErrorOf,
  workerInfoFixture,
} from "./testing/api-harness";

type Harness = Awaited<ReturnType<typeof createApiHarness>>;
let h: Harness;

const craft = (payload: unknown) =>
  Buffer.from(JSON.stringify(payload), "utf8").toString("base64url");

beforeAll(async () => {
  h = await createApiHarness();
  for (const name of ["alpha", "beta", "gamma"])
    await h.member.experiment.create({
      ...PRESETS.digits,
      name,
      strategies: [{ kind: "frozen" }, { kind: "full" }],
    });
  // Two finished runs, so the nullable sorts have values and nulls to page through.
  const worker = await h.worker.worker.register(workerInfoFixture);
  for (const accuracy of [0.5, 0.75]) {
    const spec = (await h.worker.worker.claim({ workerId: worker.id }))!;
    await h.worker.worker.complete({
      workerId: worker.id,
      runId: spec.runId,
      metrics: finalMetricsFixture({ testAccuracy: accuracy, wallTimeMs: 1000 * accuracy }),
    });
  }
});
afterAll(async () => h?.cleanup());

describe("table cursors are checked against the sort they page", () => {
  it("pages through every run sort in both directions with the cursors it hands out", async () => {
    const all = (await h.viewer.run.table({ limit: 200 })).items.map((r) => r.id).sort();
    expect(all).toHaveLength(6);
    for (const sort of RunSortField.options) {
      for (const direction of ["asc", "desc"] as const) {
        const seen: string[] = [];
        let cursor: string | null = null;
        do {
          const page: Awaited<ReturnType<typeof h.viewer.run.table>> = await h.viewer.run.table({
            limit: 4,
            sort,
            direction,
            cursor,
          });
          seen.push(...page.items.map((r) => r.id));
          cursor = page.nextCursor;
        } while (cursor);
        expect([...seen].sort(), `${sort} ${direction}`).toEqual(all);
      }
    }
  });

  it("refuses a crafted or mismatched cursor as bad input naming the cursor, never with a database error", async () => {
    const byDate = (await h.viewer.experiment.table({ limit: 1 })).nextCursor!;
    const runCursors = [
      craft({ s: "testAccuracy", v: "0.5' OR 1=1 --", id: "x" }),
      craft({ s: "trainableParams", v: 1.5, id: "x" }),
      craft({ s: "trainableParams", v: 2 ** 63, id: "x" }),
      craft({ s: "queuedAt", v: 7, id: "x" }),
      craft({ s: "queuedAt", v: { d: "not a date" }, id: "x" }),
      craft({ s: "progress", v: null, id: "x" }),
      craft({ v: "a", id: "x" }), // no sort named
      craft({ s: "queuedAt", v: { d: "2026-01-01T00:00:00Z" }, id: { in: ["a"] } }),
      "%%%not-base64%%%",
    ];
    const sortOf = (cursor: string): string | undefined => {
      try {
        return (JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as { s?: string }).s;
      } catch {
        return undefined;
      }
    };
    for (const cursor of runCursors) {
      const sort = sortOf(cursor);
      const input = {
        cursor,
        ...(RunSortField.options.includes(sort as RunSortField)
          ? { sort: sort as RunSortField }
          : {}),
      };
      const error = await trpcErrorOf(h.viewer.run.table(input));
      expect(error.code, cursor).toBe("BAD_REQUEST");
      expect(error.message, cursor).toMatch(/^cursor: .*; start again from the first page$/);
    }
    for (const cursor of [
      byDate,
      craft({ s: "name", v: 12, id: "x" }),
      craft({ s: "createdAt", v: "alpha", id: "x" }),
    ]) {
      const error = await trpcErrorOf(h.viewer.experiment.table({ cursor, sort: "name" }));
      expect(error.code).toBe("BAD_REQUEST");
      expect(error.message).toMatch(/^cursor: /);
    }
    expect(
      (await trpcErrorOf(h.viewer.experiment.table({ cursor: byDate, sort: "name" }))).message,
    ).toBe("cursor: made for the sort by createdAt, not by name; start again from the first page");
  });
});
