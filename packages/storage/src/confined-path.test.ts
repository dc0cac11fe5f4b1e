import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { confinedPath, realConfinedPath } from "./confined-path";

describe("confinedPath", () => {
  const root = path.join(os.tmpdir(), "tlab-root");

  it("joins plain relative paths under the root", () => {
    expect(confinedPath(root, "artifacts/run-1/model.json", "storagePath")).toBe(
      path.join(root, "artifacts", "run-1", "model.json"),
    );
    expect(confinedPath(root, "./a//b", "file")).toBe(path.join(root, "a", "b"));
  });

  it.each([
    ["../outside.txt", '".." segment'],
    ["a/../../outside.txt", '".." segment'],
    ["..\\outside.txt", '".." segment'],
    ["/etc/passwd", "absolute path"],
    ["\\\\server\\share", "absolute path"],
    ["C:/Windows/win.ini", "drive letter"],
    ["model.json\u0000.png", "control character"],
    ["", "is empty"],
  ])("refuses %j, naming the field and the reason", (relative, reason) => {
    expect(() => confinedPath(root, relative, "file")).toThrowError(
      new RegExp(`^file: .*${reason.replace(/[.*+?^${}()|[\]\\"]/g, "\\$&")}`),
    );
  });
});

describe("realConfinedPath (with real symbolic links)", () => {
  let base: string;
  let root: string;
  beforeAll(() => {
    base = mkdtempSync(path.join(os.tmpdir(), "tlab-confined-"));
    root = path.join(base, "data");
    mkdirSync(path.join(root, "models", "m1"), { recursive: true });
    writeFileSync(path.join(root, "models", "m1", "model.json"), "{}");
    writeFileSync(path.join(base, "secret.txt"), "not for you");
    mkdirSync(path.join(base, "elsewhere"));
    writeFileSync(path.join(base, "elsewhere", "weights.bin"), "x");
    // A link to a file outside, a link to a directory outside, and a harmless link inside.
    symlinkSync(path.join(base, "secret.txt"), path.join(root, "models", "m1", "weights.bin"));
    symlinkSync(path.join(base, "elsewhere"), path.join(root, "models", "linked-dir"));
    symlinkSync("model.json", path.join(root, "models", "m1", "alias.json"));
  });
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it("returns the real path of a file inside the root, also through a link that stays inside", async () => {
    expect(await realConfinedPath(root, "models/m1/model.json", "file")).toBe(
      path.join(root, "models", "m1", "model.json"),
    );
    expect(await realConfinedPath(root, "models/m1/alias.json", "file")).toBe(
      path.join(root, "models", "m1", "model.json"),
    );
  });

  it("refuses a symbolic link to a file outside the root, without naming the server's directories", async () => {
    const refusal = realConfinedPath(root, "models/m1/weights.bin", "file");
    await expect(refusal).rejects.toThrowError(
      /^file: "models\/m1\/weights.bin" is a symbolic link .* leads out of its folder/,
    );
    await expect(refusal).rejects.not.toThrowError(base);
  });

  it("refuses a file under a linked directory that leads outside", async () => {
    await expect(
      realConfinedPath(root, "models/linked-dir/weights.bin", "file"),
    ).rejects.toThrowError(/leads out of its folder/);
  });

  it("confines to the given root even when that root is itself reached through a link", async () => {
    const linkedRoot = path.join(base, "data-link");
    symlinkSync(root, linkedRoot);
    expect(await realConfinedPath(linkedRoot, "models/m1/model.json", "file")).toBe(
      path.join(root, "models", "m1", "model.json"),
    );
    await expect(
      realConfinedPath(linkedRoot, "models/m1/weights.bin", "file"),
    ).rejects.toThrowError(/leads out of its folder/);
  });

  it("rejects a missing file with ENOENT, for the caller to answer not found", async () => {
    await expect(realConfinedPath(root, "models/m1/none.bin", "file")).rejects.toMatchObject({
      code: "ENOENT",
    });
  });
});
