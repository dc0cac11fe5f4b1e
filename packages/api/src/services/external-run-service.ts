import type { SessionUser } from "@tlab/core/access";
import { accuracyOf, confusionMatrix, perClassMetrics } from "@tlab/core/classification-metrics";
import type { RunSummaryDto } from "@tlab/core/dto";
import { DomainError } from "@tlab/core/errors";
import type {
  CreateExternalExperimentInput,
  ExternalRunSettings,
  FinishExternalRunInput,
  LogExternalMetricsInput,
  ReportedPredictions,
  StartExternalRunInput,
} from "@tlab/core/external-run";
import { MAX_METRIC_SERIES_PER_RUN, METRIC, type FinalMetrics } from "@tlab/core/run";
import { StrategyConfig, type StrategyKind } from "@tlab/core/strategy";
import type {
  ExternalRunRepository,
  ExternalRunState,
} from "@tlab/db/repositories/external-run-repository";
import type { MetricRepository } from "@tlab/db/repositories/metric-repository";

/**
 * External experiments and their client-reported runs: the HTTP API's write side. A client
 * retries whatever it did not see answered, so every step is idempotent: creates by the client's
 * key, metrics by (run, name, step), and finishing or failing a run that already ended that way.
 */
export class ExternalRunService {
  constructor(
    private readonly external: ExternalRunRepository,
    private readonly metrics: MetricRepository,
    private readonly now: () => Date = () => new Date(),
  ) {}

  createExperiment(
    input: CreateExternalExperimentInput,
    by: SessionUser | null,
  ): Promise<{ id: string; created: boolean }> {
    return this.external.createExperiment(
      input,
      {
        baseModel: { name: input.baseModel, description: input.baseModelDescription },
        dataset: { name: input.dataset, description: input.datasetDescription },
      },
      by?.id ?? null,
    );
  }

  async startRun(
    experimentId: string,
    input: StartExternalRunInput,
  ): Promise<{ run: RunSummaryDto; created: boolean }> {
    const source = await this.external.experimentSource(experimentId);
    if (source === null)
      throw new DomainError("NOT_FOUND", `experimentId: no experiment "${experimentId}"`);
    if (source !== "external")
      throw new DomainError(
        "CONFLICT",
        `experimentId: experiment "${experimentId}" is trained by workers; create an external experiment (POST /api/v1/experiments) to report runs`,
      );
    return this.external.startRun(
      experimentId,
      {
        config: strategyConfigOf(input.strategy, input.settings),
        seed: input.seed,
        settings: input.settings,
        trainableParams: input.trainableParams ?? null,
        totalParams: input.totalParams ?? null,
        clientKey: input.clientKey ?? null,
      },
      this.now(),
    );
  }

  /** Stored whole or refused whole; a retried batch overwrites the same points. */
  async logMetrics(
    runId: string,
    input: LogExternalMetricsInput,
  ): Promise<{ accepted: number; cancelRequested: boolean }> {
    const run = await this.reportedRun(runId);
    if (run.status !== "RUNNING")
      throw new DomainError(
        "RUN_NOT_RUNNING",
        `runId: run "${runId}" has ended (${run.status}); metrics are reported while it runs`,
      );
    const existing = new Set(await this.metrics.seriesNames(runId));
    const added = new Set(input.points.map((p) => p.name).filter((name) => !existing.has(name)));
    if (existing.size + added.size > MAX_METRIC_SERIES_PER_RUN)
      throw new DomainError(
        "INVALID_INPUT",
        `points: a run keeps at most ${MAX_METRIC_SERIES_PER_RUN} metric series; this run has ${existing.size} and the report adds ${added.size} new names`,
      );
    const accepted = await this.metrics.upsertPoints(runId, input.points);
    await this.external.noteEpochs(run.experimentId, Math.max(...input.points.map((p) => p.step)));
    return { accepted, cancelRequested: run.cancelRequested };
  }

  async finish(runId: string, input: FinishExternalRunInput): Promise<{ status: "SUCCEEDED" }> {
    const run = await this.reportedRun(runId);
    // A retried finish whose first answer was lost: the run already holds this result.
    if (run.status === "SUCCEEDED") return { status: "SUCCEEDED" };
    if (run.status !== "RUNNING") throw ended(runId, run.status, "finish");
    const now = this.now();
    const { metrics, predictions } = await this.finalMetricsOf(run, input, now);
    if (await this.external.finish(runId, now, { status: "SUCCEEDED", metrics, predictions }))
      return { status: "SUCCEEDED" };
    // Ended meanwhile (a concurrent finish or fail): answer as if that had come first.
    const after = await this.reportedRun(runId);
    if (after.status === "SUCCEEDED") return { status: "SUCCEEDED" };
    throw ended(runId, after.status, "finish");
  }

  async fail(runId: string, reason: string): Promise<{ status: "FAILED" }> {
    const run = await this.reportedRun(runId);
    if (run.status === "FAILED") return { status: "FAILED" };
    if (run.status !== "RUNNING") throw ended(runId, run.status, "fail");
    if (await this.external.finish(runId, this.now(), { status: "FAILED", reason }))
      return { status: "FAILED" };
    const after = await this.reportedRun(runId);
    if (after.status === "FAILED") return { status: "FAILED" };
    throw ended(runId, after.status, "fail");
  }

  /** What the client declared and reported beyond the run's summary. */
  async reported(runId: string): Promise<{
    settings: ExternalRunSettings | null;
    predictions: ReportedPredictions | null;
  }> {
    const reported = await this.external.reportedOf(runId);
    if (!reported) throw new DomainError("NOT_FOUND", `runId: no run "${runId}"`);
    return reported;
  }

  private async reportedRun(runId: string): Promise<ExternalRunState> {
    const run = await this.external.runState(runId);
    if (!run) throw new DomainError("NOT_FOUND", `runId: no run "${runId}"`);
    if (!run.reportedByClient)
      throw new DomainError(
        "CONFLICT",
        `runId: run "${runId}" is trained by a worker; only runs of external experiments are reported through this API`,
      );
    return run;
  }

  /**
   * The same FinalMetrics a worker reports, from what the client gave: the confusion matrix is
   * derived from per-image predictions when given, and the best epoch from the val/accuracy
   * series it logged. Throughput and memory are not known here and stay absent.
   */
  private async finalMetricsOf(
    run: ExternalRunState,
    input: FinishExternalRunInput,
    now: Date,
  ): Promise<{ metrics: FinalMetrics; predictions: ReportedPredictions | null }> {
    const matrix =
      input.labels && input.predicted
        ? confusionMatrix(input.labels, input.predicted, classCount(input))
        : (input.confusionMatrix ?? []);
    const classNames =
      input.classNames ?? Array.from({ length: matrix.length }, (_, k) => String(k));
    const series = await this.metrics.series(run.id);
    const epochsRun = Math.max(0, ...[...series.values()].flat().map((p) => p.step));
    const val = series.get(METRIC.valAccuracy) ?? [];
    const best = val.reduce<{ step: number; value: number } | null>(
      (top, p) => (top === null || p.value > top.value ? p : top),
      null,
    );
    const metrics: FinalMetrics = {
      // With predictions, their own accuracy (the input schema checked it names the same count):
      // the stored accuracy and predictions then agree exactly, as a built-in run's do.
      testAccuracy:
        input.labels && input.labels.length > 0 ? accuracyOf(matrix) : input.testAccuracy,
      ...(input.testLoss === undefined ? {} : { testLoss: input.testLoss }),
      confusionMatrix: matrix,
      classNames,
      perClass: matrix.length > 0 ? perClassMetrics(matrix, classNames) : [],
      bestEpoch: input.bestEpoch ?? best?.step ?? epochsRun,
      epochsRun,
      trainableParams: run.trainableParams ?? 0,
      totalParams: run.totalParams ?? 0,
      wallTimeMs: input.wallTimeMs ?? Math.max(0, now.getTime() - (run.startedAt ?? now).getTime()),
    };
    const predictions: ReportedPredictions | null =
      input.labels && input.predicted
        ? {
            classNames,
            predictions: input.labels.map((label, index) => ({
              index,
              label,
              predicted: input.predicted?.[index] ?? 0,
              confidence: input.confidences?.[index] ?? null,
            })),
          }
        : null;
    return { metrics, predictions };
  }
}

function classCount(input: FinishExternalRunInput): number {
  return (
    input.classNames?.length ?? Math.max(1, ...(input.labels ?? []), ...(input.predicted ?? [])) + 1
  );
}

function ended(runId: string, status: string, what: string): DomainError {
  return new DomainError(
    "RUN_ALREADY_FINISHED",
    `runId: run "${runId}" already ended ${status}; it cannot ${what}`,
  );
}

/**
 * The strategy config shown with the run: its kind, with the client's learning rates and cut
 * where they fit the built-in schema. The declared settings themselves are kept as given.
 */
function strategyConfigOf(kind: StrategyKind, settings: ExternalRunSettings): StrategyConfig {
  const candidate: Record<string, unknown> = { kind };
  if (settings.learningRate !== undefined && settings.learningRate <= 1)
    candidate.learningRate = settings.learningRate;
  if (
    kind !== "frozen" &&
    settings.baseLearningRate !== undefined &&
    settings.baseLearningRate <= 1
  )
    candidate.baseLearningRate = settings.baseLearningRate;
  if (kind === "partial" && settings.cut) candidate.cut = { by: "layer", layer: settings.cut };
  const parsed = StrategyConfig.safeParse(candidate);
  return parsed.success ? parsed.data : StrategyConfig.parse({ kind });
}
