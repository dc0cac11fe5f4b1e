import { providerOf, type Db } from "@tlab/db/client";
import { CatalogRepository } from "@tlab/db/repositories/catalog-repository";
import { ExperimentRepository } from "@tlab/db/repositories/experiment-repository";
import { MetricRepository } from "@tlab/db/repositories/metric-repository";
import { RunRepository } from "@tlab/db/repositories/run-repository";
import { WorkerRepository } from "@tlab/db/repositories/worker-repository";
import { ComparisonService } from "./comparison-service";
import { ExperimentService } from "./experiment-service";
import { RunService, type RunServiceOptions } from "./run-service";

export type Services = ReturnType<typeof createServices>;

/**
 * Wires repositories and services for one database; one instance per server process. `db` comes
 * from `createDb(url)`, which records its provider: repositories that write provider-specific SQL
 * (placeholders, row locks) get it from there.
 */
export function createServices(db: Db, options: RunServiceOptions = {}) {
  const provider = providerOf(db);
  const catalog = new CatalogRepository(db);
  const experimentsRepo = new ExperimentRepository(db, provider);
  const runsRepo = new RunRepository(db, provider);
  const metricsRepo = new MetricRepository(db, provider);
  const workersRepo = new WorkerRepository(db);
  return {
    catalog,
    experimentsRepo,
    runsRepo,
    workersRepo,
    experiments: new ExperimentService(experimentsRepo, catalog),
    runs: new RunService(runsRepo, metricsRepo, workersRepo, catalog, options),
    comparison: new ComparisonService(experimentsRepo, metricsRepo),
  };
}
