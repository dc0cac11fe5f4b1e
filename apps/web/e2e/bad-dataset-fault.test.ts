import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeShapesFolder } from "@tlab/trainer/testing/synthetic-images";
import { personalToken, startPlatform, tlab, type Platform } from "./platform-harness";

const ADMIN = { email: "corrupt-admin@example.test", password: "corrupt admin password" };

// A dataset file damaged on the server after import: the worker's hash check refuses it, the run
// fails with a reason that says so, and the same worker goes on to train the next run.
describe("a run whose dataset is corrupt on the server", () => {
  let platform: Platform;
  let token: string;
  const imagesDir = mkdtempSync(path.join(os.tmpdir(), "tlab-shapes-"));
  beforeAll(async () => {
    platform = await startPlatform({ admin: ADMIN });
    token = await personalToken(platform.url, ADMIN);
  }, 300_000);
  afterAll(async () => {
    await platform?.stop();
    rmSync(imagesDir, { recursive: true, force: true });
  });

  it("fails that run with a readable reason and the worker takes the next run", async () => {
    await writeShapesFolder(imagesDir, { perClass: 24, size: 28, seed: 7 });
    const added = await tlab(
      platform.url,
      ["datasets", "add", "shapes", "--format", "imagefolder", imagesDir],
      { token },
    );
    expect(added.code, added.stderr).toBe(0);
    const stored = path.join(platform.dataDir, "datasets", "shapes");
    const file = path.join(stored, readdirSync(stored).find((f) => f.endsWith(".tlds"))!);
    const bytes = readFileSync(file);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 0xff, bytes.length - 1);
    writeFileSync(file, bytes);

    const bad = await tlab(
      platform.url,
      [
        "launch",
        "--dataset",
        "shapes",
        "--strategies",
        "frozen",
        "--epochs",
        "1",
        "--train-per-class",
        "10",
        "--test-per-class",
        "10",
        "--wait",
        "--json",
      ],
      { token },
    );
    const badRun = (
      JSON.parse(bad.stdout) as {
        runs: { id: string; status: string; failureReason: string | null }[];
      }
    ).runs[0]!;
    expect(badRun.status, platform.output().slice(-2000)).toBe("FAILED");
    expect(badRun.failureReason).toMatch(
      /dataset "shapes": the downloaded file has sha256 [0-9a-f]{64} but the catalog records [0-9a-f]{64}/,
    );

    const good = await tlab(
      platform.url,
      [
        "launch",
        "--preset",
        "digits",
        "--strategies",
        "frozen",
        "--epochs",
        "1",
        "--train-per-class",
        "30",
        "--wait",
        "--json",
      ],
      { token },
    );
    const goodRun = (JSON.parse(good.stdout) as { runs: { id: string; status: string }[] })
      .runs[0]!;
    expect(goodRun.status, platform.output().slice(-2000)).toBe("SUCCEEDED");
    // Both on the one local worker: it survived the failure.
    const names = await Promise.all(
      [badRun.id, goodRun.id].map(async (runId) => {
        const response = await fetch(
          `${platform.url}/api/trpc/run.byId?input=${encodeURIComponent(JSON.stringify({ runId }))}`,
          { headers: { authorization: `Bearer ${token}` } },
        );
        return ((await response.json()) as { result: { data: { workerName: string } } }).result.data
          .workerName;
      }),
    );
    expect(names).toEqual(["local-1", "local-1"]);
  }, 300_000);
});
