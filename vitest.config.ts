import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// One root config: unit and integration tests sit next to the code (`*.test.ts`), browser tests
// under apps/web/e2e. Training and server tests need generous timeouts on a 2-core machine.
export default defineConfig({
  // Next's tsconfig keeps JSX as written (jsx: preserve) for its own compiler; tests of dashboard
  // components get React's automatic runtime, as in the built app.
  oxc: { jsx: { runtime: "automatic" } },
  // The dashboard's "@/…" imports (apps/web/tsconfig.json paths), so its components can be rendered in tests.
  resolve: {
    alias: [
      { find: /^@\//, replacement: fileURLToPath(new URL("./apps/web/src/", import.meta.url)) },
    ],
  },
  test: {
    include: ["{apps,packages}/*/src/**/*.test.ts", "apps/web/e2e/**/*.test.ts"],
    globalSetup: ["apps/web/e2e/global-setup.ts"],
    exclude: ["**/node_modules/**", "**/.next/**"],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    pool: "forks",
    fileParallelism: true,
    maxWorkers: 2,
  },
});
