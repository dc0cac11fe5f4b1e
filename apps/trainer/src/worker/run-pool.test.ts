import { EventEmitter } from "node:events";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runWorkerPool, withoutOption, type PoolLogger } from "./run-pool";

/**
 * A stand-in for `tlab worker`: its behaviour comes from argv, and it leaves traces in a directory
 * (one file per start, and what it saw) so the test can tell what the pool did.
 */
const FAKE_WORKER = `
import { appendFileSync, existsSync, writeFileSync } from "node:fs";
import path from "node:path";
const [mode, dir] = process.argv.slice(2);
const slot = process.env.TLAB_WORKER_SLOT;
const trace = (line) => appendFileSync(path.join(dir, "slot-" + slot + ".log"), line + "\\n");
trace("start " + process.argv.slice(2).join(" "));
if (mode === "crash-once") {
  const marker = path.join(dir, "crashed-" + slot);
  if (!existsSync(marker)) { writeFileSync(marker, ""); process.exit(3); }
  process.exit(0);
}
if (mode === "always-crash") process.exit(1);
// "finish": returns without process.exit, as \`tlab worker --exit-when-idle\` does.
if (mode === "until-signal") {
  let signals = 0;
  const onSignal = (name) => {
    signals += 1;
    trace("got " + name + " #" + signals);
    if (signals === 2) process.exit(0);
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  writeFileSync(path.join(dir, "ready-" + slot), "");
  setInterval(() => {}, 1000);
}
`;

let dir: string;
let script: string;
const noLog: PoolLogger = { info: () => {}, warn: () => {}, error: () => {} };
const fastBackoff = { initialMs: 20, maxMs: 100, stableMs: 60_000 };

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "tlab-pool-"));
  script = path.join(dir, "fake-worker.mjs");
  await writeFile(script, FAKE_WORKER);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out waiting for a condition");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const traces = async (work: string, slot: number) =>
  (await readFile(path.join(work, `slot-${slot}.log`), "utf8")).trim().split("\n");

describe("runWorkerPool", () => {
  it("runs N children with the given arguments and restarts one that crashes", async () => {
    const work = await mkdtemp(path.join(dir, "crash-once-"));
    const results = await runWorkerPool({
      concurrency: 2,
      argv: ["crash-once", work],
      script,
      execArgv: [],
      log: noLog,
      backoff: fastBackoff,
      signals: new EventEmitter(),
    });
    expect(results).toEqual([
      { slot: 0, code: 0, signal: null, restarts: 1, gaveUp: false },
      { slot: 1, code: 0, signal: null, restarts: 1, gaveUp: false },
    ]);
    for (const slot of [0, 1])
      expect(await traces(work, slot)).toEqual([
        `start crash-once ${work}`,
        `start crash-once ${work}`,
      ]);
  });

  it("backs off between restarts and gives up on a child that keeps crashing", async () => {
    const work = await mkdtemp(path.join(dir, "always-crash-"));
    const warnings: Array<{ delayMs?: number }> = [];
    const started = Date.now();
    const [result] = await runWorkerPool({
      concurrency: 1,
      argv: ["always-crash", work],
      script,
      execArgv: [],
      log: { ...noLog, warn: (obj) => warnings.push(obj as { delayMs?: number }) },
      backoff: fastBackoff,
      maxConsecutiveRestarts: 3,
      signals: new EventEmitter(),
    });
    expect(result).toMatchObject({ slot: 0, code: 1, restarts: 3, gaveUp: true });
    expect(warnings.map((w) => w.delayMs)).toEqual([20, 40, 80]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(await traces(work, 0)).toHaveLength(4);
  });

  it("forwards SIGTERM to every child, and a second one too, then returns when all have exited", async () => {
    const work = await mkdtemp(path.join(dir, "signals-"));
    const signals = new EventEmitter();
    const pool = runWorkerPool({
      concurrency: 2,
      argv: ["until-signal", work],
      script,
      execArgv: [],
      log: noLog,
      backoff: fastBackoff,
      signals,
    });
    await waitFor(
      () => existsSync(path.join(work, "ready-0")) && existsSync(path.join(work, "ready-1")),
    );
    signals.emit("SIGTERM", "SIGTERM");
    await waitFor(() => existsSync(path.join(work, "slot-1.log")));
    await new Promise((resolve) => setTimeout(resolve, 200));
    signals.emit("SIGINT", "SIGINT");
    const results = await pool;
    expect(results.map((r) => [r.code, r.restarts])).toEqual([
      [0, 0],
      [0, 0],
    ]);
    for (const slot of [0, 1]) {
      expect(await traces(work, slot)).toEqual([
        `start until-signal ${work}`,
        "got SIGTERM #1",
        "got SIGINT #2",
      ]);
    }
    // The pool removed its signal listeners.
    expect(signals.listenerCount("SIGTERM") + signals.listenerCount("SIGINT")).toBe(0);
  });

  it("does not restart children once stopping, and cancels pending restarts", async () => {
    const work = await mkdtemp(path.join(dir, "stop-"));
    const stop = new AbortController();
    const pool = runWorkerPool({
      concurrency: 1,
      argv: ["always-crash", work],
      script,
      execArgv: [],
      log: noLog,
      backoff: { initialMs: 60_000, maxMs: 60_000, stableMs: 60_000 },
      signals: new EventEmitter(),
      stop: stop.signal,
    });
    await waitFor(() => existsSync(path.join(work, "slot-0.log")));
    await new Promise((resolve) => setTimeout(resolve, 200)); // crashed; a restart is pending for a minute
    stop.abort();
    const [result] = await pool;
    expect(result).toMatchObject({ restarts: 1, gaveUp: false });
    expect(await traces(work, 0)).toHaveLength(1);
  });

  it("sees a child that simply returns as done (the IPC channel does not keep it alive)", async () => {
    const work = await mkdtemp(path.join(dir, "finish-"));
    const results = await runWorkerPool({
      concurrency: 2,
      argv: ["finish", work],
      script,
      execArgv: [],
      log: noLog,
      signals: new EventEmitter(),
    });
    expect(results.map((r) => [r.code, r.restarts])).toEqual([
      [0, 0],
      [0, 0],
    ]);
  });

  it("runs the real tlab CLI by default (here: `tlab worker --help` through tsx)", async () => {
    const results = await runWorkerPool({
      concurrency: 1,
      argv: ["worker", "--help"],
      execArgv: ["--import", "tsx"],
      env: { ...process.env, NO_COLOR: "1" },
      log: noLog,
      signals: new EventEmitter(),
    });
    expect(results).toEqual([{ slot: 0, code: 0, signal: null, restarts: 0, gaveUp: false }]);
  });

  it("turns the pool's command line into its children's by dropping --concurrency", () => {
    expect(
      withoutOption(["worker", "--concurrency", "4", "--backend", "wasm"], "--concurrency"),
    ).toEqual(["worker", "--backend", "wasm"]);
    expect(
      withoutOption(["worker", "--concurrency=2", "--exit-when-idle"], "--concurrency"),
    ).toEqual(["worker", "--exit-when-idle"]);
    expect(withoutOption(["worker"], "--concurrency")).toEqual(["worker"]);
  });

  it("rejects a concurrency that is not a whole number ≥ 1", async () => {
    await expect(runWorkerPool({ concurrency: 0, argv: [], log: noLog })).rejects.toThrow(
      /concurrency must be a whole number ≥ 1, got 0/,
    );
  });
});
