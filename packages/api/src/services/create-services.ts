import { providerOf, type Db } from "@tlab/db/client";
import { CatalogRepository } from "@tlab/db/repositories/catalog-repository";
import { ExperimentRepository } from "@tlab/db/repositories/experiment-repository";
import { MetricRepository } from "@tlab/db/repositories/metric-repository";
import { RunRepository } from "@tlab/db/repositories/run-repository";
import { RunQueryRepository } from "@tlab/db/repositories/run-query-repository";
import { ExperimentQueryRepository } from "@tlab/db/repositories/experiment-query-repository";
import { WorkerRepository } from "@tlab/db/repositories/worker-repository";
import { ComparisonService } from "./comparison-service";
import { ExperimentService } from "./experiment-service";
import { RunService, type RunServiceOptions } from "./run-service";
import { RunRetryService } from "./run-retry-service";
import { RunComparisonService } from "./run-comparison-service";

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
  const runQueries = new RunQueryRepository(db, provider);
  return {
    catalog,
    experimentsRepo,
    runsRepo,
    workersRepo,
    experiments: new ExperimentService(experimentsRepo, catalog),
    runs: new RunService(runsRepo, metricsRepo, workersRepo, catalog, options),
    comparison: new ComparisonService(experimentsRepo, metricsRepo, runQueries),
    runQueries,
    experimentQueries: new ExperimentQueryRepository(db, provider),
    runRetry: new RunRetryService(runsRepo, runQueries, options.now),
    runComparison: new RunComparisonService(runQueries),
  };
}
