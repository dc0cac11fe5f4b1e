import { defineConfig } from "vitest/config";

// `npm run test:pg`: the repository and API suites again, on PostgreSQL at TEST_POSTGRES_URL
// (default postgresql://postgres@127.0.0.1:5432/test). Each test gets its own schema, so files
// still run in parallel. Plain `npm test` (vitest.config.ts) runs the same files on SQLite.
// The platform chaos test runs the compose topology (web service + standalone workers) on a fresh
// PostgreSQL database of its own, against the dashboard build the global setup makes; the web
// replicas test runs two web services on one such database.
export default defineConfig({
  test: {
    include: [
      "packages/{db,api}/src/**/*.integration.test.ts",
      "apps/web/e2e/platform-chaos.test.ts",
      "apps/web/e2e/web-replicas.test.ts",
      "apps/web/e2e/webhooks-replicas.test.ts",
    ],
    globalSetup: ["apps/web/e2e/global-setup.ts"],
    exclude: ["**/node_modules/**"],
    env: { TLAB_TEST_DB: "postgresql" },
    testTimeout: 120_000,
    hookTimeout: 300_000,
    pool: "forks",
    fileParallelism: true,
    maxWorkers: 2,
  },
});
