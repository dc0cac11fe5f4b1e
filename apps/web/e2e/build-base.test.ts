import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseBaseModelManifest } from "@tlab/core/base-model-manifest";
import { personalToken, startPlatform, tlab, type Platform } from "./platform-harness";

const ADMIN = { email: "build-base-admin@example.test", password: "build-base admin password" };
const NAME = "mobilenet-v2-nsfwjs";

// The real-size path as a new user walks it: `tlab build-base mobilenet-v2` with `npm start`'s
// platform running leaves the model in its catalog under the name it prints, and `tlab launch
// --base-model <that name>` is accepted. No worker runs: training is not what is tested here.
describe("tlab build-base mobilenet-v2 against a running platform", () => {
  let platform: Platform;
  let token: string;
  const scratch = mkdtempSync(path.join(os.tmpdir(), "tlab-build-base-"));
  const outDir = path.join(scratch, NAME);

  beforeAll(async () => {
    platform = await startPlatform({ admin: ADMIN, workers: 0 });
    token = await personalToken(platform.url, ADMIN);
  }, 300_000);
  afterAll(async () => {
    await platform?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it("refuses to register without a signed-in user, saying how; the files are written all the same", async () => {
    const anonymous = await tlab(platform.url, ["build-base", "mobilenet-v2", "--out", outDir]);
    expect(anonymous.code).toBe(1);
    expect(JSON.parse(anonymous.stdout)).toMatchObject({
      name: NAME,
      catalog: { status: "refused", apiUrl: platform.url },
    });
    expect(anonymous.stderr).toMatch(/HTTP 401/);
    expect(anonymous.stderr).toContain(`sign in with \`tlab login\``);
    expect(anonymous.stderr).toContain(`tlab models add ${NAME} ${outDir}`);
    expect(
      parseBaseModelManifest(readFileSync(path.join(outDir, "base-model.json"), "utf8")).source,
    ).toMatchObject({ kind: "package", package: "nsfwjs" });
  });

  it("puts the model in the catalog under the name it prints, and launch --base-model <name> is accepted", async () => {
    const built = await tlab(platform.url, ["build-base", "mobilenet-v2", "--out", outDir], {
      token,
    });
    expect(built.code, built.stderr).toBe(0);
    const out = JSON.parse(built.stdout) as { name: string; catalog: { status: string } };
    expect(out).toMatchObject({ name: NAME, catalog: { status: "registered" } });
    expect(built.stderr).toContain(
      `registered in the catalog of ${platform.url} as base model "${NAME}"`,
    );

    const listed = await tlab(platform.url, ["models", "list", "--json"], { token });
    const model = (
      JSON.parse(listed.stdout) as Array<{
        name: string;
        inputShape: number[];
        totalParams: number;
        description: string;
      }>
    ).find((m) => m.name === out.name);
    expect(model).toMatchObject({ inputShape: [224, 224, 3], totalParams: 2_257_984 });
    expect(model?.description).toMatch(/MobileNetV2 .* from the npm package nsfwjs/);

    const launched = await tlab(
      platform.url,
      ["launch", "--base-model", out.name, "--epochs", "1", "--json"],
      { token },
    );
    expect(launched.code, launched.stderr).toBe(0);
    const runs = (
      JSON.parse(launched.stdout) as { runs: Array<{ strategy: string; status: string }> }
    ).runs;
    expect(runs.map((r) => r.strategy).sort()).toEqual(["frozen", "full", "partial"]);
    expect(runs.every((r) => r.status === "QUEUED")).toBe(true);

    // `tlab models add` of the built folder takes the description from its base-model.json.
    const added = await tlab(
      platform.url,
      ["models", "add", "mobilenet-v2-copy", outDir, "--json"],
      { token },
    );
    expect(added.code, added.stderr).toBe(0);
    const copies = JSON.parse(
      (await tlab(platform.url, ["models", "list", "--json"], { token })).stdout,
    ) as Array<{ name: string; description: string }>;
    expect(copies.find((m) => m.name === "mobilenet-v2-copy")?.description).toBe(
      model?.description,
    );

    // Built again: the same content is already there, nothing changes.
    const again = await tlab(platform.url, ["build-base", "mobilenet-v2", "--out", outDir], {
      token,
    });
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ catalog: { status: "already-registered" } });
  });
});
