import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

/**
 * Real `tlab` processes that start a TensorFlow.js backend: their output carries no tfjs banner,
 * the wasm backend runs the thread pool TLAB_THREADS asks for (or says why not), and the process
 * exits by itself once its work is done, thread pool or not.
 */

const ROOT = path.resolve(import.meta.dirname, "../../../..");
const CLI = path.join(ROOT, "apps/trainer/src/cli.ts");
const TSX = path.join(ROOT, "node_modules/.bin/tsx");
const LENET5 = path.join(ROOT, "apps/trainer/assets/base-models/lenet5-digits-0-4");
const BANNER = /looks like you are running TensorFlow\.js in Node\.js|install our node backend/;

const home = mkdtempSync(path.join(tmpdir(), "tlab-backend-startup-"));
afterAll(() => rmSync(home, { recursive: true, force: true }));

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs tlab and waits for the process to end on its own; killed after `timeoutMs` (signal SIGKILL). */
function tlab(args: string[], env: Record<string, string>, timeoutMs: number): Promise<Exit> {
  return new Promise((resolve) => {
    const child = execFile(
      TSX,
      [CLI, ...args],
      {
        cwd: ROOT,
        env: { ...process.env, XDG_CONFIG_HOME: home, DATA_DIR: home, TLAB_TOKEN: "", ...env },
        timeout: timeoutMs,
        killSignal: "SIGKILL",
      },
      (_error, stdout, stderr) =>
        resolve({ code: child.exitCode, signal: child.signalCode, stdout, stderr }),
    );
  });
}

describe("tlab commands that start a backend", () => {
  it("pretrain on wasm with TLAB_THREADS=2 trains on 2 threads, prints no tfjs banner and exits by itself", async () => {
    const out = path.join(home, "pretrain-threads");
    const result = await tlab(
      ["pretrain", "--epochs", "1", "--out", out],
      { TLAB_BACKEND: "wasm", TLAB_THREADS: "2" },
      240_000,
    );
    expect(result.signal, result.stderr).toBeNull();
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain("wasm (SIMD, multi-threaded (2 threads))");
    expect(result.stderr + result.stdout).not.toMatch(BANNER);
    const summary = JSON.parse(result.stdout.trim()) as { testAccuracy: number };
    // One epoch of LeNet-5 on digits 0-4 is far above chance (0.2) when the threaded kernels are right.
    expect(summary.testAccuracy).toBeGreaterThan(0.8);
  }, 300_000);

  it("runs single-threaded and says why when the host refuses the threaded build", async () => {
    // Workers cannot evaluate their script when code generation from strings is off.
    const out = path.join(home, "pretrain-refused");
    const result = await tlab(
      ["pretrain", "--epochs", "1", "--out", out],
      {
        TLAB_BACKEND: "wasm",
        TLAB_THREADS: "2",
        NODE_OPTIONS:
          `${process.env.NODE_OPTIONS ?? ""} --disallow-code-generation-from-strings`.trim(),
      },
      240_000,
    );
    expect(result.signal, result.stderr).toBeNull();
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain("wasm (SIMD, single-threaded)");
    expect(result.stderr).toContain(
      "running single-threaded: the threaded wasm build did not start: Code generation from strings disallowed",
    );
  }, 300_000);

  it("models add --dry-run loads weights on the cpu backend without the tfjs banner", async () => {
    const result = await tlab(
      ["models", "add", "banner-check", LENET5, "--dry-run", "--json"],
      {},
      120_000,
    );
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout.trim())).toMatchObject({
      name: "banner-check",
      dryRun: true,
      totalParams: 60856,
    });
    expect(result.stderr + result.stdout).not.toMatch(BANNER);
  }, 150_000);

  it("rejects a TLAB_THREADS outside 1 to 8, naming the variable", async () => {
    const result = await tlab(
      ["pretrain", "--epochs", "1", "--out", path.join(home, "never")],
      { TLAB_THREADS: "12" },
      60_000,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      "TLAB_THREADS: TLAB_THREADS must be a whole number of threads from 1 to 8",
    );
  }, 90_000);
});
