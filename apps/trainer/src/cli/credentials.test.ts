import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { removeCredential, resolveUserToken, saveCredential } from "./credentials";

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "tlab-credentials-"));
  file = path.join(dir, "tlab", "credentials.json");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("saved personal tokens", () => {
  it("are kept per server, readable by the owner only, and TLAB_TOKEN wins over them", () => {
    saveCredential(
      "http://a.example:3000/some/path",
      { token: "tlab_pat_a", email: "a@example.test" },
      file,
    );
    saveCredential("https://b.example", { token: "tlab_pat_b", email: "b@example.test" }, file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(resolveUserToken(undefined, "http://a.example:3000", file)).toBe("tlab_pat_a");
    expect(resolveUserToken("", "https://b.example/api", file)).toBe("tlab_pat_b");
    expect(resolveUserToken("tlab_pat_env", "https://b.example", file)).toBe("tlab_pat_env");
    expect(resolveUserToken(undefined, "http://c.example", file)).toBeUndefined();
    expect(removeCredential("https://b.example", file)?.token).toBe("tlab_pat_b");
    expect(resolveUserToken(undefined, "https://b.example", file)).toBeUndefined();
  });
});
