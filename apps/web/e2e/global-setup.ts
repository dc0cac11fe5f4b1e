import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "../../..");

/**
 * Browser and platform tests run against a production build of the dashboard, so the suite builds
 * it first (incremental: ~20 s when little changed). TLAB_SKIP_WEB_BUILD=1 reuses the last build.
 */
export default function buildDashboard(): void {
  if (process.env.TLAB_SKIP_WEB_BUILD === "1") return;
  if (!selectsBrowserTests()) return;
  // Two test runs building at once would fail ("Another next build process is already running"):
  // builds take turns through a lock file when flock(1) is there (util-linux, on Debian by default).
  const next = path.join(ROOT, "node_modules/.bin/next");
  const hasFlock = spawnSync("flock", ["--version"], { stdio: "ignore" }).status === 0;
  const [command, args] = hasFlock
    ? ["flock", [path.join(tmpdir(), "tlab-next-build.lock"), next, "build"]]
    : [next, ["build"]];
  const result = spawnSync(command, args, {
    cwd: path.join(ROOT, "apps/web"),
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
  });
  if (result.status !== 0)
    throw new Error(`next build failed (exit ${result.status ?? result.signal})`);
}

/**
 * Whether this run includes a test in apps/web/e2e: with no file filter, yes; otherwise when a
 * filter matches one of their paths (vitest keeps files whose path contains a filter), so
 * `vitest run packages/core` or a dashboard unit test does not wait for a build.
 */
function selectsBrowserTests(): boolean {
  const args = process.argv.slice(process.argv.indexOf("run") + 1);
  const filters: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i]!.startsWith("-")) {
      // Options with a separate value (`-t name`, `--config file`) do not name files.
      if (
        !args[i]!.includes("=") &&
        [
          "-t",
          "--testNamePattern",
          "--config",
          "-c",
          "--project",
          "--dir",
          "--root",
          "-r",
        ].includes(args[i]!)
      )
        i++;
      continue;
    }
    filters.push(args[i]!);
  }
  if (!process.argv.includes("run") || filters.length === 0) return true;
  const e2eDir = path.join(ROOT, "apps/web/e2e");
  const files = readdirSync(e2eDir)
    .filter((f) => f.endsWith(".test.ts"))
    .map((f) => path.join(e2eDir, f));
  return files.some((file) =>
    filters.some((filter) => file.includes(filter) || path.relative(ROOT, file).includes(filter)),
  );
}
