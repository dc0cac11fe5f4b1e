import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "../../../..");
const CLI = path.join(ROOT, "apps/trainer/src/cli.ts");
const TSX = path.join(ROOT, "node_modules/.bin/tsx");

/** A port nothing listens on: bound once by the OS, then released. */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address
          ? resolve(address.port)
          : reject(new Error("no port")),
      );
    });
  });
}

// No saved login and no local cli-token: the CLI must fail on the connection, not on credentials.
const home = mkdtempSync(path.join(tmpdir(), "tlab-cli-unreachable-"));
afterAll(() => rmSync(home, { recursive: true, force: true }));

function tlab(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      TSX,
      [CLI, ...args],
      {
        cwd: ROOT,
        env: { ...process.env, XDG_CONFIG_HOME: home, DATA_DIR: home, TLAB_TOKEN: "", ...env },
      },
      (error, stdout, stderr) =>
        resolve({
          code: error ? (typeof error.code === "number" ? error.code : null) : 0,
          stdout,
          stderr,
        }),
    );
  });
}

describe("the CLI against an API that does not answer", () => {
  it("names the URL it tried (from TLAB_API_URL) and how to point it elsewhere, and exits 1", async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const result = await tlab(["datasets", "list"], { TLAB_API_URL: url });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain(`tlab: cannot reach the API at ${url} (connect ECONNREFUSED`);
    expect(result.stderr).toContain("TLAB_API_URL or --api-url");
    expect(result.stderr).not.toMatch(/^tlab: fetch failed$/m);
  }, 30_000);

  it("names the URL given with --api-url", async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const result = await tlab(["models", "list", "--api-url", url], {
      TLAB_API_URL: "http://127.0.0.1:9",
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`cannot reach the API at ${url} `);
  }, 30_000);
});
