import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { createDb, tuneSqlite, type Db } from "./client";
import { PrismaClient } from "./generated/sqlite/client";
import { RecoveringSqliteAdapterFactory } from "./sqlite-adapter";
import { mountSmallDisk } from "./testing/small-disk";

const dirs: string[] = [];
const clients: Db[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((db) => db.$disconnect()));
});
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "tlab-sqlite-adapter-"));
  dirs.push(dir);
  return dir;
}

async function open(file: string): Promise<Db> {
  const { db } = createDb(`file:${file}`);
  clients.push(db);
  await tuneSqlite(db);
  return db;
}

/** Rejects instead of waiting forever: the bug under test is a hang. */
function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  return Promise.race([
    promise,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms),
    ),
  ]);
}

async function rowsOf(db: Db, table: string): Promise<string[]> {
  const rows = await db.$queryRawUnsafe<{ v: string }[]>(`SELECT v FROM ${table} ORDER BY v`);
  return rows.map((row) => row.v);
}

describe("SQLite interactive transactions after a failed COMMIT", () => {
  it("a COMMIT that fails (deferred foreign key) leaves later transactions working, and nothing of the failed one", async () => {
    const file = path.join(tempDir(), "fk.db");
    const db = await open(file);
    await db.$executeRawUnsafe("CREATE TABLE parent (id INTEGER PRIMARY KEY)");
    await db.$executeRawUnsafe(
      "CREATE TABLE child (v TEXT, parentId INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)",
    );

    // The foreign key is checked at COMMIT, so it is COMMIT itself that fails, as on a full disk.
    const failed = db.$transaction(async (tx) => {
      await tx.$executeRawUnsafe("INSERT INTO child (v, parentId) VALUES ('orphan', 42)");
    });
    await expect(within(5_000, "the failing transaction", failed)).rejects.toThrow(
      /ForeignKeyConstraintViolation/,
    );

    await within(
      5_000,
      "the next transaction",
      db.$transaction(async (tx) => tx.$executeRawUnsafe("INSERT INTO child (v) VALUES ('after')")),
    );
    await within(
      5_000,
      "a third transaction",
      db.$transaction(async (tx) => tx.$executeRawUnsafe("INSERT INTO child (v) VALUES ('later')")),
    );

    // Another connection sees the later transactions committed, and the failed one rolled back.
    const other = await open(file);
    expect(await rowsOf(other, "child")).toEqual(["after", "later"]);
  });

  it("waiting to start a transaction is bounded, with an error saying what it waited for", async () => {
    const file = path.join(tempDir(), "wait.db");
    const db = new PrismaClient({
      adapter: new RecoveringSqliteAdapterFactory({ url: `file:${file}` }, { maxWaitMs: 200 }),
      transactionOptions: { maxWait: 5_000, timeout: 5_000 },
    });
    clients.push(db);
    let letGo!: () => void;
    const holding = db.$transaction(() => new Promise<void>((resolve) => (letGo = resolve)));
    await new Promise((resolve) => setTimeout(resolve, 50));
    await expect(
      within(
        3_000,
        "the waiting transaction",
        db.$transaction(async () => 1),
      ),
    ).rejects.toThrow(/waited 0.2 s for the transaction before this one/);
    letGo();
    await holding;
    await expect(db.$transaction(async () => 2)).resolves.toBe(2);
  });
});

/** A real full disk: the database on a 1 MiB tmpfs that a filler file takes up (skipped where it cannot be mounted). */
const disk = mountSmallDisk(1024 * 1024);
afterAll(() => disk?.unmount());

describe.skipIf(!disk)("SQLite on a full disk (tmpfs)", () => {
  it("after SQLITE_FULL at COMMIT, transactions work again once space is back", async () => {
    const db = await open(path.join(disk!.dir, "full.db"));
    await db.$executeRawUnsafe("CREATE TABLE t (v TEXT)");
    disk!.fill();
    const big = "x".repeat(10_000);
    const failed = db.$transaction(async (tx) => {
      for (let i = 0; i < 50; i++) await tx.$executeRawUnsafe("INSERT INTO t (v) VALUES (?)", big);
    });
    await expect(within(10_000, "the transaction on a full disk", failed)).rejects.toThrow(
      /database or disk is full/,
    );

    disk!.free();
    await within(
      5_000,
      "a transaction once space is back",
      db.$transaction(async (tx) => tx.$executeRawUnsafe("INSERT INTO t (v) VALUES ('after')")),
    );
    expect(await rowsOf(db, "t")).toEqual(["after"]);
  });
});
