import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ExperimentTableInput, RunTableInput } from "@tlab/core/table-queries";
import { PrismaClient } from "../generated/sqlite/client";
import { applyMigrationsToFreshSqlite } from "../migrate-sqlite";
import { CatalogRepository } from "./catalog-repository";
import { ExperimentQueryRepository } from "./experiment-query-repository";
import { RunQueryRepository } from "./run-query-repository";

// The experiments and runs tables must stay fast with 10,000 experiments. Timing assertions would
// be flaky, so this checks what makes a page fast instead: a fixed, small number of SQL statements
// per page, whatever the table size, and a page query that SQLite answers by walking an index in
// order (stopping after limit + 1 rows) rather than sorting the whole table.

const EXPERIMENTS = 10_000;

interface LoggedQuery {
  sql: string;
}

let dir: string;
let file: string;
let db: PrismaClient;
let log: LoggedQuery[] = [];

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "tlab-scale-"));
  file = path.join(dir, "scale.db");
  applyMigrationsToFreshSqlite(file);
  db = new PrismaClient({
    adapter: new PrismaBetterSQLite3({ url: `file:${file}` }),
    log: [{ emit: "event", level: "query" }],
  });
  // The client's generic event type is not inferred from the `log` option here; the event is Prisma's QueryEvent.
  (db as unknown as { $on(event: "query", listener: (e: { query: string }) => void): void }).$on(
    "query",
    (event) => log.push({ sql: event.query }),
  );

  const catalog = new CatalogRepository(db);
  const model = await catalog.upsertBaseModel({
    name: "tiny-base",
    description: "",
    source: "builtin",
    storagePath: "base-models/tiny-base",
    inputShape: [28, 28, 1],
    layers: [{ name: "fc1", className: "Dense", paramCount: 10 }],
    totalParams: 10,
    sha256: "0".repeat(64),
  });
  const dataset = await catalog.upsertDataset({
    name: "tiny-data",
    description: "",
    spec: { source: "mnist", classes: [5, 6] },
    classNames: ["5", "6"],
  });
  const start = Date.UTC(2026, 0, 1);
  const config = JSON.stringify({
    kind: "frozen",
    head: { type: "softmax", hiddenUnits: 0, dropout: 0 },
    learningRate: 0.03,
  });
  for (let offset = 0; offset < EXPERIMENTS; offset += 1000) {
    const ids = Array.from({ length: Math.min(1000, EXPERIMENTS - offset) }, (_, i) => offset + i);
    await db.experiment.createMany({
      data: ids.map((i) => ({
        id: `exp-${String(i).padStart(5, "0")}`,
        name: i % 100 === 0 ? `Digits sweep ${i}` : `experiment ${i}`,
        baseModelId: model.id,
        datasetId: dataset.id,
        epochs: 5,
        batchSize: 32,
        seeds: 1,
        trainPerClass: 300,
        validationFraction: 0.15,
        testPerClass: 200,
        createdAt: new Date(start + i * 1000),
      })),
    });
    await db.run.createMany({
      data: ids.map((i) => ({
        id: `run-${String(i).padStart(5, "0")}`,
        experimentId: `exp-${String(i).padStart(5, "0")}`,
        strategy: "frozen",
        config,
        seed: 1,
        status: i % 7 === 0 ? "QUEUED" : "SUCCEEDED",
        testAccuracy: i % 7 === 0 ? null : (i % 997) / 997,
        queuedAt: new Date(start + i * 1000),
      })),
    });
  }
}, 300_000);

afterAll(async () => {
  await db?.$disconnect();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The SQL statements `action` sent. */
async function statementsOf(action: () => Promise<unknown>): Promise<string[]> {
  log = [];
  await action();
  return log.map((q) => q.sql);
}

/** SQLite's plan for a statement, one detail line per step (placeholders bound to null: the plan does not depend on them). */
function planOf(sql: string): string[] {
  const sqlite = new Database(file, { readonly: true });
  try {
    const statement = sqlite.prepare(`EXPLAIN QUERY PLAN ${sql}`);
    const params = Array.from({ length: (sql.match(/\?/g) ?? []).length }, () => null);
    return (statement.all(...params) as { detail: string }[]).map((row) => row.detail);
  } finally {
    sqlite.close();
  }
}

function pageQuery(statements: string[], table: string): string {
  const select = statements.find((sql) =>
    new RegExp(`^SELECT .* FROM [\`"]main[\`"]\\.[\`"]${table}[\`"].* ORDER BY .*LIMIT`, "s").test(
      sql,
    ),
  );
  if (!select) throw new Error(`no paged SELECT on ${table} among:\n${statements.join("\n")}`);
  return select;
}

describe(`tables over ${EXPERIMENTS.toLocaleString("en-US")} experiments (SQLite)`, () => {
  it("pages the experiments list newest first through the createdAt index, in a fixed number of statements", async () => {
    const experiments = new ExperimentQueryRepository(db, "sqlite");
    let first: Awaited<ReturnType<ExperimentQueryRepository["page"]>> | undefined;
    const statements = await statementsOf(async () => {
      first = await experiments.page(ExperimentTableInput.parse({ limit: 50 }));
    });
    expect(first!.items).toHaveLength(50);
    expect(first!.total).toBe(EXPERIMENTS);
    expect(first!.items[0]!.id).toBe("exp-09999");
    expect(first!.items[0]!.runCounts.SUCCEEDED + first!.items[0]!.runCounts.QUEUED).toBe(1);
    // Page rows, the count and the grouped run counts (Prisma may fetch a relation separately).
    expect(statements.length).toBeLessThanOrEqual(6);

    const plan = planOf(pageQuery(statements, "Experiment"));
    expect(plan.join("\n")).toMatch(/USING (COVERING )?INDEX Experiment_createdAt_idx/);
    expect(plan.join("\n")).not.toMatch(/USE TEMP B-TREE FOR ORDER BY/);

    // A deep page costs the same statements, and keyset paging neither repeats nor skips rows.
    const second = await experiments.page(
      ExperimentTableInput.parse({ limit: 50, cursor: first!.nextCursor }),
    );
    expect(second.items[0]!.id).toBe("exp-09949");
    const deepStatements = await statementsOf(() =>
      experiments.page(ExperimentTableInput.parse({ limit: 50, cursor: second.nextCursor })),
    );
    expect(deepStatements.length).toBe(statements.length);
  });

  it("walks every experiment exactly once across pages", async () => {
    const experiments = new ExperimentQueryRepository(db, "sqlite");
    const seen = new Set<string>();
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await experiments.page(ExperimentTableInput.parse({ limit: 200, cursor }));
      for (const item of page.items) seen.add(item.id);
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor && pages < 100);
    expect(seen.size).toBe(EXPERIMENTS);
    expect(pages).toBe(EXPERIMENTS / 200);
  });

  it("searches and sorts by name with the same statement count", async () => {
    const experiments = new ExperimentQueryRepository(db, "sqlite");
    let found: Awaited<ReturnType<ExperimentQueryRepository["page"]>> | undefined;
    const statements = await statementsOf(async () => {
      found = await experiments.page(
        ExperimentTableInput.parse({ limit: 20, search: "SWEEP", sort: "name", direction: "asc" }),
      );
    });
    expect(found!.total).toBe(EXPERIMENTS / 100);
    expect(found!.items.map((e) => e.name)).toEqual([...found!.items.map((e) => e.name)].sort());
    expect(statements.length).toBeLessThanOrEqual(6);
  });

  it("pages the runs table by test accuracy, nulls last, in a fixed number of statements", async () => {
    const runs = new RunQueryRepository(db, "sqlite");
    let page: Awaited<ReturnType<RunQueryRepository["page"]>> | undefined;
    const statements = await statementsOf(async () => {
      page = await runs.page(
        RunTableInput.parse({
          limit: 50,
          status: ["SUCCEEDED"],
          sort: "testAccuracy",
          direction: "desc",
        }),
      );
    });
    expect(page!.items).toHaveLength(50);
    const accuracies = page!.items.map((r) => r.testAccuracy!);
    expect(accuracies).toEqual([...accuracies].sort((a, b) => b - a));
    expect(page!.items[0]!.experimentName).toMatch(/experiment|sweep/i);
    expect(statements.length).toBeLessThanOrEqual(7);

    const plan = planOf(
      pageQuery(
        await statementsOf(() => runs.page(RunTableInput.parse({ limit: 50, status: ["QUEUED"] }))),
        "Run",
      ),
    );
    // The default order (newest queued first) within a status filter walks the (status, queuedAt) index.
    expect(plan.join("\n")).toMatch(/USING (COVERING )?INDEX Run_status_queuedAt_idx/);
  });
});
