import { providerOf, type Db } from "@tlab/db/client";
import { CatalogRepository } from "@tlab/db/repositories/catalog-repository";
import { ExperimentRepository } from "@tlab/db/repositories/experiment-repository";
import { MetricRepository } from "@tlab/db/repositories/metric-repository";
import { RunRepository } from "@tlab/db/repositories/run-repository";
import { RunQueryRepository } from "@tlab/db/repositories/run-query-repository";
import { ExperimentQueryRepository } from "@tlab/db/repositories/experiment-query-repository";
import { WorkerRepository } from "@tlab/db/repositories/worker-repository";
import { ApiTokenRepository } from "@tlab/db/repositories/api-token-repository";
import { InviteRepository } from "@tlab/db/repositories/invite-repository";
import { ReviewRepository } from "@tlab/db/repositories/review-repository";
import { ExperimentLabelRepository } from "@tlab/db/repositories/experiment-label-repository";
import { RunNoteRepository } from "@tlab/db/repositories/run-note-repository";
import { RunLogRepository } from "@tlab/db/repositories/run-log-repository";
import { UserRepository } from "@tlab/db/repositories/user-repository";
import { HealthProbeRepository } from "@tlab/db/repositories/health-probe-repository";
import { WebhookRepository } from "@tlab/db/repositories/webhook-repository";
import { ExternalRunRepository } from "@tlab/db/repositories/external-run-repository";
import { CatalogImportService } from "./catalog-import-service";
import { ComparisonService } from "./comparison-service";
import { RunPredictionsService } from "./run-predictions-service";
import { ExperimentService } from "./experiment-service";
import { RunService, type RunServiceOptions } from "./run-service";
import { RunRetryService } from "./run-retry-service";
import { RunComparisonService } from "./run-comparison-service";
import { ReviewService } from "./review-service";
import { ExperimentLabelService } from "./experiment-label-service";
import { RunNoteService } from "./run-note-service";
import { RunLogService } from "./run-log-service";
import { ExportService } from "./export-service";
import { TokenService } from "./token-service";
import { UserAdminService } from "./user-admin-service";
import { WorkerListService } from "./worker-list-service";
import { HealthService } from "./health-service";
import { WebhookService, type WebhookDeliveryOptions } from "./webhook-service";
import { ExternalRunService } from "./external-run-service";

export type Services = ReturnType<typeof createServices>;

/**
 * Wires repositories and services for one database; one instance per server process. `db` comes
 * from `createDb(url)`, which records its provider: repositories that write provider-specific SQL
 * (placeholders, row locks) get it from there.
 */
export function createServices(
  db: Db,
  options: RunServiceOptions & { dataDir?: string; webhooks?: WebhookDeliveryOptions } = {},
) {
  const provider = providerOf(db);
  const catalog = new CatalogRepository(db);
  const experimentsRepo = new ExperimentRepository(db, provider);
  const runsRepo = new RunRepository(db, provider);
  const metricsRepo = new MetricRepository(db, provider);
  const workersRepo = new WorkerRepository(db);
  const runQueries = new RunQueryRepository(db, provider);
  const predictions = new RunPredictionsService(runsRepo, options.dataDir);
  const comparison = new ComparisonService(experimentsRepo, metricsRepo, runQueries, predictions);
  const usersRepo = new UserRepository(db);
  const review = new ReviewService(new ReviewRepository(db), experimentsRepo, options.now);
  const runs = new RunService(runsRepo, metricsRepo, workersRepo, catalog, options);
  return {
    catalog,
    experimentsRepo,
    runsRepo,
    workersRepo,
    experiments: new ExperimentService(experimentsRepo, catalog),
    runs,
    /** The workers page: online or offline, restarts listed once. */
    workers: new WorkerListService(workersRepo, options),
    comparison,
    /** Per-image test predictions of succeeded runs (an artifact the worker uploads). */
    predictions,
    runQueries,
    experimentQueries: new ExperimentQueryRepository(db, provider),
    /** Stores uploaded datasets and base models under options.dataDir. */
    catalogImport: new CatalogImportService(catalog, runsRepo, experimentsRepo, options.dataDir),
    runRetry: new RunRetryService(runsRepo, runQueries, options.now),
    runComparison: new RunComparisonService(
      runQueries,
      (runId) => comparison.runSeries(runId),
      (runId) => predictions.predictions(runId),
    ),
    usersRepo,
    /** API tokens (personal and worker): creation, revocation, and bearer authentication. */
    tokens: new TokenService(new ApiTokenRepository(db), usersRepo, options.now),
    /** Invitations, roles and deactivation (admin). */
    userAdmin: new UserAdminService(usersRepo, new InviteRepository(db), options.now),
    /** Comments, decisions, activity. */
    review,
    /** Experiment tags and per-user stars. */
    labels: new ExperimentLabelService(new ExperimentLabelRepository(db)),
    /** Each run's shared markdown note. */
    runNotes: new RunNoteService(new RunNoteRepository(db), options.now),
    /** What the workers logged about each run. */
    runLogs: new RunLogService(runsRepo, new RunLogRepository(db, provider), runs),
    /** CSV and JSON downloads of comparisons and metric series. */
    export: new ExportService(comparison, runQueries, review),
    /** External experiments and their runs, reported by clients over /api/v1. */
    external: new ExternalRunService(new ExternalRunRepository(db), metricsRepo, options.now),
    /** What /api/health reports: start-up done, and a short write transaction commits in time. */
    health: new HealthService(new HealthProbeRepository(db), provider),
    /** Webhooks (admin) and the delivery of their outbox. */
    webhooks: new WebhookService(new WebhookRepository(db, provider), {
      now: options.now,
      ...options.webhooks,
    }),
  };
}
