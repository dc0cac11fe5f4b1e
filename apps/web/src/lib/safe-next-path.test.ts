import { describe, expect, it } from "vitest";
import { safeNextPath } from "./safe-next-path";

/** Where a browser would go from a page of `origin` when told to go to `target`. */
function destination(target: string, origin = "http://tlab.example:3000"): URL {
  return new URL(target, `${origin}/sign-in`);
}

describe("safeNextPath", () => {
  it("keeps paths of this site, with their query and fragment", () => {
    expect(safeNextPath("/experiments/abc?tab=runs#curves")).toBe(
      "/experiments/abc?tab=runs#curves",
    );
    expect(safeNextPath("/runs")).toBe("/runs");
    expect(safeNextPath("/a/../settings/tokens")).toBe("/settings/tokens");
  });

  it("never leaves the origin, however the path is spelled", () => {
    const hostile = [
      "https://evil.test/x",
      "//evil.test/x",
      "/\\evil.test/x",
      "/\t/evil.test/x",
      "/\n/evil.test/x",
      "/\r\n/evil.test",
      "\t//evil.test",
      " //evil.test",
      "/%09/evil.test/x",
      "/%2F%2Fevil.test",
      "javascript:alert(1)",
      "/\u0000//evil.test",
      "/\u007f//evil.test",
      "//\\evil.test",
      "///evil.test",
    ];
    for (const next of hostile) {
      const safe = safeNextPath(next);
      expect(destination(safe).origin, JSON.stringify(next)).toBe("http://tlab.example:3000");
      // Also as a Location header value: no control characters, no "//" authority.
      // biome-ignore lint/suspicious/noControlCharactersInRegex: the test looks for control characters.
      expect(safe, JSON.stringify(next)).not.toMatch(/[\u0000-\u001f\u007f\\]|^\/\//);
    }
  });

  it("answers / for what is not a path or is missing", () => {
    for (const next of [null, undefined, "", "evil.test", "/\n/x", "/\\x"])
      expect(safeNextPath(next)).toBe("/");
  });
});
