import { spawnSync } from "node:child_process";
import path from "node:path";

/**
 * Browser and platform tests run against a production build of the dashboard, so the suite builds
 * it first (incremental: ~20 s when little changed). TLAB_SKIP_WEB_BUILD=1 reuses the last build.
 */
export default function buildDashboard(): void {
  if (process.env.TLAB_SKIP_WEB_BUILD === "1") return;
  // `vitest run packages/core` needs no dashboard: build only when no filter or a web filter is given.
  const filters = process.argv.slice(process.argv.indexOf("run") + 1).filter((a) => !a.startsWith("-"));
  if (process.argv.includes("run") && filters.length > 0 && !filters.some((f) => f.includes("web") || f.includes("e2e"))) return;
  const root = path.resolve(import.meta.dirname, "../../..");
  const result = spawnSync(path.join(root, "node_modules/.bin/next"), ["build"], {
    cwd: path.join(root, "apps/web"),
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
  });
  if (result.status !== 0) throw new Error(`next build failed (exit ${result.status ?? result.signal})`);
}
