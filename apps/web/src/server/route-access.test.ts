import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const API_DIR = path.resolve(import.meta.dirname, "../app/api");

/**
 * Route handlers that do not call `authorize` themselves, and why. Every other route.ts must:
 * a new route without an access check fails here (the e2e accounts test probes them over HTTP).
 */
const WITHOUT_AUTHORIZE: Record<string, string> = {
  "health/route.ts": "public: liveness for npm start, workers and load balancers",
  "auth/[...all]/route.ts":
    "better-auth's own endpoints (sign-in, sign-up, sign-out), with their own Origin check and rate limit",
  "trpc/[trpc]/route.ts":
    "resolves the caller; each procedure checks its own access level (access-levels.integration.test.ts)",
};

function routeFiles(dir: string, prefix = ""): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const relative = path.posix.join(prefix, entry.name);
    if (entry.isDirectory()) return routeFiles(path.join(dir, entry.name), relative);
    return entry.name === "route.ts" ? [relative] : [];
  });
}

describe("every API route handler checks access", () => {
  it("calls authorize (or authorizeCatalog) once per exported method, unless listed as an exception", () => {
    const files = routeFiles(API_DIR);
    expect(files.length).toBeGreaterThan(5);
    const unchecked = files.filter((file) => {
      if (file in WITHOUT_AUTHORIZE) return false;
      const source = readFileSync(path.join(API_DIR, file), "utf8");
      const methods = source.match(/export async function (GET|POST|PUT|PATCH|DELETE)\b/g) ?? [];
      const checks = source.match(/await authorize(Catalog)?\(/g) ?? [];
      return methods.length === 0 || checks.length < methods.length;
    });
    expect(unchecked, "route handlers without an access check").toEqual([]);
    expect(
      Object.keys(WITHOUT_AUTHORIZE).filter((file) => !files.includes(file)),
      "stale exceptions",
    ).toEqual([]);
  });
});
