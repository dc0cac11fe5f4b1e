import { defineConfig } from "vitest/config";

// `npm run test:pg`: the repository and API suites again, on PostgreSQL at TEST_POSTGRES_URL
// (default postgresql://postgres@127.0.0.1:5432/test). Each test gets its own schema, so files
// still run in parallel. Plain `npm test` (vitest.config.ts) runs the same files on SQLite.
export default defineConfig({
  test: {
    include: ["packages/{db,api}/src/**/*.integration.test.ts"],
    exclude: ["**/node_modules/**"],
    env: { TLAB_TEST_DB: "postgresql" },
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: "forks",
    fileParallelism: true,
    maxWorkers: 2,
  },
});
