import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { API_V1_ROUTES } from "@tlab/api/http/api-v1-routes";

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
  "openapi.json/route.ts": "public: the API's description (generated from the schemas), no data",
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

describe("the /api/v1 routes", () => {
  // Each documented route is a route.ts exporting its method, checking the level its table entry
  // declares (reads viewer, writes member); no route.ts under v1 goes undocumented.
  const files = routeFiles(path.join(API_DIR, "v1"), "v1");
  const fileOf = (apiPath: string) =>
    `${apiPath.replace(/^\/api\//, "").replace(/\{(\w+)\}/g, "[$1]")}/route.ts`;

  it("implements every documented route with its declared access level", () => {
    for (const [name, route] of Object.entries(API_V1_ROUTES)) {
      const file = fileOf(route.path);
      expect(files, `${name}: ${file}`).toContain(file);
      const source = readFileSync(path.join(API_DIR, file), "utf8");
      const method = route.method.toUpperCase();
      expect(source, `${name}: exports ${method}`).toMatch(
        new RegExp(`export async function ${method}\\b`),
      );
      // The handler checks the table's level: by its entry, or a constant bound to it.
      const bound = [...source.matchAll(/const (\w+) = API_V1_ROUTES\.(\w+);/g)]
        .filter((m) => m[2] === name)
        .map((m) => m[1]);
      const checks = [`API_V1_ROUTES.${name}.access`, ...bound.map((c) => `${c}.access`)];
      expect(
        checks.some((check) => source.includes(`await authorize(req, ${check})`)),
        `${name}: authorize(req, …${name}.access)`,
      ).toBe(true);
      expect(route.access).toBe(route.method === "get" ? "viewer" : "member");
    }
  });

  it("documents every route it serves", () => {
    const documented = new Set(Object.values(API_V1_ROUTES).map((r) => fileOf(r.path)));
    expect(files.filter((file) => !documented.has(file))).toEqual([]);
    for (const file of files) {
      const source = readFileSync(path.join(API_DIR, file), "utf8");
      for (const [, method] of source.matchAll(
        /export async function (GET|POST|PUT|PATCH|DELETE)\b/g,
      )) {
        const served = Object.values(API_V1_ROUTES).some(
          (r) => fileOf(r.path) === file && r.method === method!.toLowerCase(),
        );
        expect(served, `${method} ${file} is in API_V1_ROUTES`).toBe(true);
      }
    }
  });
});
