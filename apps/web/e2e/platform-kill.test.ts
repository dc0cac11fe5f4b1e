import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import { waitUntilMidRun } from "./mid-run";
import {
  descendants,
  freePort,
  isAlive,
  startPlatform,
  tlab,
  type Platform,
} from "./platform-harness";
import { trpc } from "./web-server";

const EPOCHS = 5;
// Short leases, so the run the kill leaves RUNNING is requeued soon after the restart.
const PLATFORM_ENV = { TLAB_LEASE_MS: "4000", SWEEP_INTERVAL_MS: "500" };

interface Health {
  status: string;
  waitingFor?: string;
  reason?: string;
}

/** Polls /api/health until stopped, and records each answer with whether the CLI token existed then. */
function watchHealth(url: string, cliTokenFile: string) {
  const seen: { status: string; waitingFor?: string; cliToken: boolean }[] = [];
  let running = true;
  const done = (async () => {
    while (running) {
      try {
        const body = (await (await fetch(`${url}/api/health`)).json()) as Health;
        seen.push({
          status: body.status,
          waitingFor: body.waitingFor,
          cliToken: existsSync(cliTokenFile),
        });
      } catch {
        // not listening yet
      }
      await sleep(50);
    }
  })();
  return {
    seen,
    stop: async () => {
      running = false;
      await done;
    },
  };
}

async function expectRefused(start: Promise<Platform>, message: RegExp): Promise<void> {
  const outcome = await start.then(
    async (platform) => {
      await platform.stop();
      return "started";
    },
    (error: unknown) => (error instanceof Error ? error.message : String(error)),
  );
  expect(outcome).toMatch(message);
}

// `npm start` killed with SIGKILL, its whole process group at once: its web server and local worker
// run in groups of their own and must not stay behind serving; a restart on the same data
// directory and port must then work. Two starts on one port or one data directory are refused plainly.
describe("npm start killed with kill -9, then started again", () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "tlab-e2e-kill-"));
  const platforms: Platform[] = [];
  // The harness's `url` names a port of its own choosing; these starts get PORT from `env`.
  let port = 0;
  afterAll(async () => {
    for (const platform of platforms) await platform.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("answers /api/health ok only once start-up is done (the local CLI signed in)", async () => {
    port = await freePort();
    const health = watchHealth(`http://127.0.0.1:${port}`, path.join(dataDir, "cli-token"));
    try {
      platforms.push(
        await startPlatform({
          workers: 1,
          env: { ...PLATFORM_ENV, DATA_DIR: dataDir, PORT: String(port) },
        }),
      );
    } finally {
      await health.stop();
    }
    const statuses = health.seen.map((answer) => answer.status);
    expect(statuses, "health went from starting to ok").toContain("starting");
    expect(statuses.at(-1)).toBe("ok");
    expect(
      health.seen.filter((answer) => answer.status === "ok" && !answer.cliToken),
      "ok before the CLI token was written",
    ).toEqual([]);
  });

  it("refuses a second start on the same data directory, and one on a port in use, saying which", async () => {
    await expectRefused(
      startPlatform({ workers: 0, env: { DATA_DIR: dataDir, PORT: String(await freePort()) } }),
      /is in use by another npm start \(pid \d+/,
    );
    const otherDir = mkdtempSync(path.join(tmpdir(), "tlab-e2e-port-"));
    try {
      await expectRefused(
        startPlatform({ workers: 0, env: { DATA_DIR: otherDir, PORT: String(port) } }),
        new RegExp(`port ${port} is already in use`),
      );
    } finally {
      rmSync(otherDir, { recursive: true, force: true });
    }
  });

  it("leaves no process behind after kill -9 of its process group mid-run, and after a restart the run completes with nothing lost", async () => {
    const platform = platforms[0]!;
    const url = `http://127.0.0.1:${port}`;
    const token = readFileSync(path.join(dataDir, "cli-token"), "utf8").trim();
    const launched = await tlab(
      url,
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
    await waitUntilMidRun(url, token, runId, { epochs: EPOCHS, output: platform.output });

    const children = descendants(platform.child.pid!);
    expect(children.length, "the web server and the worker").toBeGreaterThanOrEqual(2);
    process.kill(-platform.child.pid!, "SIGKILL");
    const killedAt = Date.now();
    while (children.some(isAlive) && Date.now() - killedAt < 30_000) await sleep(200);
    expect(
      children.filter(isAlive),
      `still running ${Date.now() - killedAt} ms after the kill`,
    ).toEqual([]);
    expect(Date.now() - killedAt).toBeLessThan(25_000);

    // The port is free again and the data directory's lock is stale: the same start works.
    const probe = createServer();
    await new Promise<void>((resolve, reject) =>
      probe.once("error", reject).listen(port, () => probe.close(() => resolve())),
    );
    const again = await startPlatform({
      workers: 1,
      env: { ...PLATFORM_ENV, DATA_DIR: dataDir, PORT: String(port) },
    });
    platforms.push(again);
    expect(((await (await fetch(`${url}/api/health`)).json()) as Health).status).toBe("ok");

    // The run comes back (released, or its lease expires) and the new worker finishes it.
    let run = { status: "", attempt: 0 };
    for (let i = 0; i < 1500 && !["SUCCEEDED", "FAILED", "CANCELED"].includes(run.status); i++) {
      run = await trpc<{ status: string; attempt: number }>(url, "run.byId", { runId }, { token });
      await sleep(200);
    }
    expect(run.status, again.output().slice(-3000)).toBe("SUCCEEDED");
    expect(run.attempt).toBeGreaterThanOrEqual(2);
    const series = await trpc<{ name: string; points: { step: number }[] }[]>(
      url,
      "run.metrics",
      { runId },
      { token },
    );
    expect(series.find((s) => s.name === "val/accuracy")?.points.map((p) => p.step)).toEqual(
      Array.from({ length: EPOCHS }, (_, i) => i + 1),
    );
  });
});
