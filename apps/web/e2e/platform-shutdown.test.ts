import { readFileSync } from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { createDb } from "@tlab/db/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { descendants, isAlive, startPlatform, tlab, type Platform } from "./platform-harness";
import { trpc } from "./web-server";

const EPOCHS = 6;

type Series = { name: string; points: { step: number }[] }[];

// Stopping `npm start` while its local worker trains: the worker must give its run back to the
// queue, which goes through the web server, so start-platform stops the workers first and the web
// server after, and exits with no child left behind.
describe("npm start with its local admin, stopped while a run trains", () => {
  let platform: Platform;
  let token: string;

  beforeAll(async () => {
    // No TLAB_ADMIN_*: npm start makes up its local admin and hands the CLI its token.
    platform = await startPlatform({ workers: 1 });
    token = readFileSync(path.join(platform.dataDir, "cli-token"), "utf8").trim();
  }, 300_000);

  it("says the admin it created is npm start's local one, not one from TLAB_ADMIN_EMAIL", () => {
    const localAdminFile = path.join(platform.dataDir, "local-admin.json");
    const { email } = JSON.parse(readFileSync(localAdminFile, "utf8")) as { email: string };
    expect(platform.output()).toContain(
      `created the admin account ${email} (npm start's local admin; its password is in ${localAdminFile})`,
    );
    expect(platform.output()).not.toContain("(TLAB_ADMIN_EMAIL)");
  });
  afterAll(async () => platform?.stop());

  it("releases the run to the queue before the web server stops, and leaves no process behind", async () => {
    const launched = await tlab(
      platform.url,
      [
        "launch",
        "--preset",
        "digits",
        "--strategies",
        "full",
        "--epochs",
        String(EPOCHS),
        "--train-per-class",
        "300",
        "--test-per-class",
        "20",
        "--json",
      ],
      { token },
    );
    expect(launched.code, launched.stderr).toBe(0);
    const runId = (JSON.parse(launched.stdout) as { runs: { id: string }[] }).runs[0]!.id;
    for (let i = 0; ; i++) {
      const run = await trpc<{ status: string }>(platform.url, "run.byId", { runId }, { token });
      expect(
        ["QUEUED", "RUNNING"],
        `the run ended early:\n${platform.output().slice(-3000)}`,
      ).toContain(run.status);
      const series = await trpc<Series>(platform.url, "run.metrics", { runId }, { token });
      const epochs = series.find((s) => s.name === "val/accuracy")?.points.length ?? 0;
      if (epochs >= 1 && epochs < EPOCHS - 1) break;
      if (i > 3000)
        throw new Error(
          `the run never reached its first epoch:\n${platform.output().slice(-3000)}`,
        );
      await sleep(20);
    }

    const child = platform.child;
    const children = descendants(child.pid!);
    expect(
      children.length,
      "the web server and the worker, each under tsx or next",
    ).toBeGreaterThanOrEqual(2);
    const exited = new Promise<number | null>((resolve) =>
      child.once("exit", (code) => resolve(code)),
    );
    // The children write to the same output: it closes once the last of them is gone.
    const outputClosed = new Promise<void>((resolve) => child.once("close", () => resolve()));
    const signalled = Date.now();
    // To start-platform alone, as a process manager would: it orders the shutdown itself.
    child.kill("SIGTERM");
    const code = await exited;
    console.info(`[e2e] npm start stopped in ${Date.now() - signalled} ms`);
    await Promise.race([outputClosed, sleep(3000)]);
    expect(code, platform.output().slice(-3000)).toBe(0);
    const left = children.filter(isAlive);
    for (const pid of left) process.kill(pid, "SIGKILL");
    expect(
      left,
      `processes left running after npm start exited:\n${platform.output().slice(-3000)}`,
    ).toEqual([]);

    const output = platform.output();
    expect(output, output.slice(-3000)).toMatch(
      /run released to the queue \(worker shutting down\)/,
    );
    expect(output).not.toMatch(/could not release the run/);
    expect(output).not.toMatch(/still running after/); // nothing had to be killed

    const { db } = createDb(`file:${path.join(platform.dataDir, "tlab.db")}`);
    try {
      const run = await db.run.findUniqueOrThrow({
        where: { id: runId },
        select: { status: true, failureReason: true, workerId: true },
      });
      expect(run).toEqual({
        status: "QUEUED",
        failureReason: "worker shut down; requeued",
        workerId: null,
      });
    } finally {
      await db.$disconnect();
    }
  }, 120_000);
});
