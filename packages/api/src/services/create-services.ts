import path from "node:path";
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
import { ArtifactService, ARTIFACTS_DIR } from "./artifact-service";
import { CatalogService } from "./catalog-service";
import { RunStreamService } from "./run-stream-service";
import { RunTableService } from "./run-table-service";
import { LocalBlobStore } from "../storage/local-blob-store";
import type { BlobStore } from "../storage/blob-store";

export type Services = ReturnType<typeof createServices>;
export type Repositories = ReturnType<typeof createRepositories>;

/**
 * The repositories of one database. `db` comes from `createDb(url)`, which records its provider:
 * repositories that write provider-specific SQL (placeholders, row locks) get it from there.
 * Only services use them; test harnesses may, to write fixtures.
 */
export function createRepositories(db: Db) {
  const provider = providerOf(db);
  return {
    provider,
    catalog: new CatalogRepository(db),
    experiments: new ExperimentRepository(db, provider),
    experimentQueries: new ExperimentQueryRepository(db, provider),
    runs: new RunRepository(db, provider),
    runQueries: new RunQueryRepository(db, provider),
    metrics: new MetricRepository(db, provider),
    workers: new WorkerRepository(db),
    users: new UserRepository(db),
    apiTokens: new ApiTokenRepository(db),
    invites: new InviteRepository(db),
    review: new ReviewRepository(db),
    labels: new ExperimentLabelRepository(db),
    runNotes: new RunNoteRepository(db),
    runLogs: new RunLogRepository(db, provider),
    healthProbe: new HealthProbeRepository(db),
    externalRuns: new ExternalRunRepository(db),
    webhooks: new WebhookRepository(db, provider),
  };
}

/**
 * Wires the services for one database; one instance per server process. Routers, pages and route
 * handlers get services only: the repositories stay inside this wiring.
 */
export function createServices(
  db: Db,
  options: RunServiceOptions & { dataDir?: string; webhooks?: WebhookDeliveryOptions } = {},
) {
  const repos = createRepositories(db);
  const predictions = new RunPredictionsService(repos.runs, options.dataDir, async (runId) => {
    const reported = await repos.externalRuns.reportedOf(runId);
    return reported?.predictions ?? null;
  });
  const comparison = new ComparisonService(
    repos.experiments,
    repos.metrics,
    repos.runQueries,
    predictions,
  );
  const review = new ReviewService(repos.review, repos.experiments, options.now);
  const runs = new RunService(repos.runs, repos.metrics, repos.workers, repos.catalog, options);
  const runLogs = new RunLogService(repos.runs, repos.runLogs, runs);
  return {
    /** Base models and datasets as pages and file routes read them. */
    catalog: new CatalogService(repos.catalog, options.dataDir),
    experiments: new ExperimentService(repos.experiments, repos.catalog, repos.experimentQueries),
    runs,
    /** The runs table across experiments. */
    runTable: new RunTableService(repos.runQueries),
    /** A run's live events (status, metrics, log lines) for its server-sent event stream. */
    runStream: new RunStreamService(repos.runs, repos.runQueries, runLogs),
    /** Run artifacts (trained model, checkpoint) in DATA_DIR/artifacts. */
    artifacts: new ArtifactService(repos.runs, runs, artifactStore(options.dataDir)),
    /** The workers page: online or offline, restarts listed once. */
    workers: new WorkerListService(repos.workers, options),
    comparison,
    /** Per-image test predictions of succeeded runs (an artifact the worker uploads). */
    predictions,
    /** Stores uploaded datasets and base models under options.dataDir. */
    catalogImport: new CatalogImportService(
      repos.catalog,
      repos.runs,
      repos.experiments,
      options.dataDir,
    ),
    runRetry: new RunRetryService(repos.runs, repos.runQueries, options.now),
    runComparison: new RunComparisonService(
      repos.runQueries,
      (runId) => comparison.runSeries(runId),
      (runId) => predictions.predictions(runId),
    ),
    /** API tokens (personal and worker): creation, revocation, and bearer authentication. */
    tokens: new TokenService(repos.apiTokens, repos.users, options.now),
    /** Invitations, roles and deactivation (admin); how many accounts exist. */
    userAdmin: new UserAdminService(repos.users, repos.invites, options.now),
    /** Comments, decisions, activity. */
    review,
    /** Experiment tags and per-user stars. */
    labels: new ExperimentLabelService(repos.labels),
    /** Each run's shared markdown note. */
    runNotes: new RunNoteService(repos.runNotes, options.now),
    /** What the workers logged about each run. */
    runLogs,
    /** CSV and JSON downloads of comparisons and metric series. */
    export: new ExportService(comparison, repos.runQueries, review),
    /** External experiments and their runs, reported by clients over /api/v1. */
    external: new ExternalRunService(repos.externalRuns, repos.metrics, options.now),
    /** What /api/health reports: start-up done, and a short write transaction commits in time. */
    health: new HealthService(repos.healthProbe, repos.provider),
    /** Webhooks (admin) and the delivery of their outbox. */
    webhooks: new WebhookService(repos.webhooks, { now: options.now, ...options.webhooks }),
  };
}

/** Artifacts live under DATA_DIR/artifacts; without a data directory, using them is an error. */
function artifactStore(dataDir: string | undefined): BlobStore {
  if (dataDir) return new LocalBlobStore(path.join(dataDir, ARTIFACTS_DIR), "artifacts directory");
  const missing = async (): Promise<never> => {
    throw new Error("artifacts: no data directory was configured for this server");
  };
  return { put: missing, get: missing, stat: missing, delete: missing };
}
