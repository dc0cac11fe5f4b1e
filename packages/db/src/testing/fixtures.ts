import { PRESETS } from "@tlab/core/presets";
import type { Db, DbProvider } from "../client";
import { CatalogRepository } from "../repositories/catalog-repository";
import { ExperimentRepository } from "../repositories/experiment-repository";
import { WorkerRepository } from "../repositories/worker-repository";

/** An experiment with `runs` queued runs (strategies in turn, seeds 1..n) over a minimal catalog. */
export async function seedQueuedRuns(
  db: Db,
  provider: DbProvider,
  opts: { runs: number; name?: string },
): Promise<{ experimentId: string; runIds: string[] }> {
  const catalog = new CatalogRepository(db);
  const baseModel = await catalog.upsertBaseModel({
    name: "tiny-base",
    description: "",
    source: "builtin",
    storagePath: "base-models/tiny-base",
    inputShape: [28, 28, 1],
    layers: [{ name: "fc1", className: "Dense", paramCount: 10 }],
    totalParams: 10,
    sha256: "0".repeat(64),
  });
  const dataset = await catalog.upsertDataset({
    name: "tiny-data",
    description: "",
    spec: { source: "mnist", classes: [5, 6] },
    classNames: ["5", "6"],
  });
  const input = {
    ...PRESETS.digits,
    name: opts.name ?? "queue",
    baseModel: baseModel.name,
    dataset: dataset.name,
  };
  const strategies = PRESETS.digits.strategies;
  const runs = Array.from({ length: opts.runs }, (_, i) => ({
    strategy: strategies[i % strategies.length]!,
    seed: i + 1,
    trainPerClass: input.trainPerClass,
    trainedBaseLayers: null,
  }));
  const experimentId = await new ExperimentRepository(db, provider).createWithRuns(
    input,
    { baseModelId: baseModel.id, datasetId: dataset.id },
    runs,
  );
  const rows = await db.run.findMany({ where: { experimentId }, select: { id: true } });
  return { experimentId, runIds: rows.map((r) => r.id) };
}

export async function registerWorkers(db: Db, count: number, now = new Date()): Promise<string[]> {
  const workers = new WorkerRepository(db);
  const registered = [];
  for (let i = 0; i < count; i++) {
    registered.push(
      await workers.register(
        { name: `w${i + 1}`, hostname: "host", backend: "wasm", device: "cpu", versions: {} },
        "bootstrap",
        now,
      ),
    );
  }
  return registered.map((w) => w.id);
}
