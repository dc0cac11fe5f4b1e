/**
 * Platform throughput through the HTTP API on the embedded SQLite default:
 * metric ingestion, the downsampled comparison query, and claims with 8 racing workers.
 * Progress goes to stderr; the figures are returned as JSON.
 */
import { createTRPCClient, httpLink } from "@trpc/client";
import { PRESETS } from "@tlab/core/presets";
import { MAX_METRIC_SERIES_PER_RUN } from "@tlab/core/run";
import { createTestDb } from "@tlab/db/testing/create-test-db";
import type { AppRouter } from "../src/root";
import { createRepositories, createServices } from "../src/services/create-services";
import { addTestUser, LENET_LAYERS } from "../src/testing/api-harness";
import { serveApi } from "./serve-api";

const TOKEN = "bench-worker-token-0123456789abcdef";
const USER_TOKEN = "bench-user-token-0123456789abcdef";
const log = (message: string) => process.stderr.write(`[platform-bench] ${message}\n`);

export async function platformBench() {
  const testDb = await createTestDb();
  const services = createServices(testDb.db);
  await createRepositories(testDb.db).catalog.upsertDataset({
    name: "mnist-digits-5-9",
    description: "",
    spec: { source: "mnist", classes: [5, 6, 7, 8, 9] },
    classNames: ["5", "6", "7", "8", "9"],
  });
  await createRepositories(testDb.db).catalog.upsertBaseModel({
    name: "lenet5-digits-0-4",
    description: "",
    source: "builtin",
    storagePath: "-",
    inputShape: [28, 28, 1],
    layers: LENET_LAYERS,
    totalParams: 43576,
    sha256: "-",
  });
  const user = await addTestUser(testDb.db, "bench@example.test", "member");
  const { url, server } = await serveApi(services, {
    workerToken: TOKEN,
    userToken: USER_TOKEN,
    user,
  });
  const client = (token: string) =>
    createTRPCClient<AppRouter>({
      links: [httpLink({ url: `${url}/api/trpc`, headers: { authorization: `Bearer ${token}` } })],
    });
  const workerApi = client(TOKEN);
  const userApi = client(USER_TOKEN);
  try {
    const worker = await workerApi.worker.register.mutate({
      name: "bench",
      hostname: "bench",
      backend: "wasm",
      device: "bench",
      versions: {},
    });
    const epochs = 100;
    const { id: experimentId } = await userApi.experiment.create.mutate({
      ...PRESETS.digits,
      name: "bench",
      epochs,
    });
    const runs = [];
    for (let i = 0; i < 3; i++)
      runs.push((await workerApi.worker.claim.mutate({ workerId: worker.id }))!);

    // Ingest: 3 runs × the most a run may hold (100 series × 100 epochs) in batches of 5,000, as a
    // worker's buffer would send them after an outage.
    const series = Array.from(
      { length: MAX_METRIC_SERIES_PER_RUN },
      (_, i) => `bench/series-${String(i).padStart(3, "0")}`,
    );
    const perSeries = epochs;
    const epochsPerBatch = 50;
    const batch = epochsPerBatch * series.length;
    log(`ingesting ${3 * perSeries * series.length} points in batches of ${batch}`);
    const started = performance.now();
    for (const run of runs) {
      for (let epoch = 1; epoch <= epochs; epoch += epochsPerBatch) {
        const points = Array.from({ length: epochsPerBatch }, (_, j) =>
          series.map((name) => ({
            name,
            step: epoch + j,
            value: Math.exp(-(epoch + j) / 30) + Math.random() * 0.05,
          })),
        ).flat();
        await workerApi.worker.reportMetrics.mutate({
          workerId: worker.id,
          runId: run.runId,
          points,
        });
      }
    }
    const ingestSeconds = (performance.now() - started) / 1000;
    const pointsPerSec = Math.round((3 * perSeries * series.length) / ingestSeconds);
    log(`ingest: ${pointsPerSec} points/s`);

    // Compare: the experiment's comparison, downsampled, 30 times.
    const timings: number[] = [];
    for (let i = 0; i < 30; i++) {
      const t0 = performance.now();
      const comparison = await userApi.experiment.compare.query({ experimentId: experimentId });
      timings.push(performance.now() - t0);
      if (i === 0)
        log(
          `compare returns ${comparison.series.map((s) => s.metrics[0]?.points.length ?? 0).join(", ")} points per series`,
        );
    }
    timings.sort((a, b) => a - b);
    const p95Ms = Math.round(timings[Math.ceil(0.95 * timings.length) - 1]! * 10) / 10;
    log(`compare p95: ${p95Ms} ms`);

    // Claims: 8 workers racing over 400 queued runs.
    await userApi.experiment.create.mutate({ ...PRESETS.digits, name: "claims", seeds: 10 }); // 30 runs
    for (let i = 0; i < 12; i++)
      await userApi.experiment.create.mutate({ ...PRESETS.digits, name: `claims ${i}`, seeds: 10 });
    const workers = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        workerApi.worker.register.mutate({
          name: `w${i}`,
          hostname: "bench",
          backend: "wasm",
          device: "bench",
          versions: {},
        }),
      ),
    );
    const claimStarted = performance.now();
    const claimed = await Promise.all(
      workers.map(async (w) => {
        let n = 0;
        while (await workerApi.worker.claim.mutate({ workerId: w.id })) n++;
        return n;
      }),
    );
    const claimSeconds = (performance.now() - claimStarted) / 1000;
    const total = claimed.reduce((a, b) => a + b, 0);
    const perSec = Math.round(total / claimSeconds);
    log(`claims: ${total} runs by 8 workers, ${perSec}/s`);
    return {
      ingest: { pointsPerSec, batch },
      compare: { p95Ms, runs: 3, seriesPerRun: series.length, pointsPerSeries: perSeries },
      claim: { perSec, workers: 8, runs: total },
    };
  } finally {
    server.close();
    await testDb.cleanup();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  platformBench().then((result) => process.stdout.write(`${JSON.stringify(result)}\n`));
}
