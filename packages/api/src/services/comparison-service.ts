import type { ComparisonDto, MetricSeriesDto } from "@tlab/core/dto";
import { DomainError } from "@tlab/core/errors";
import type { ExperimentRepository } from "@tlab/db/repositories/experiment-repository";
import type { MetricRepository } from "@tlab/db/repositories/metric-repository";
import type { RunQueryRepository } from "@tlab/db/repositories/run-query-repository";
import { compareStrategies, type StrategyComparison } from "@tlab/core/strategy-comparisons";
import type { FinalMetrics } from "@tlab/core/run";
import { describeCut } from "@tlab/core/strategy";
import type { ExperimentDetailDto } from "@tlab/core/dto";
import type { RunPredictionsService } from "./run-predictions-service";

/** A chart never needs more points per series than it has pixels across. */
export const MAX_POINTS_PER_SERIES = 2000;

export class ComparisonService {
  constructor(
    private readonly experiments: ExperimentRepository,
    private readonly metrics: MetricRepository,
    private readonly runs: RunQueryRepository,
    private readonly predictions: RunPredictionsService,
  ) {}

  async compare(experimentId: string): Promise<ComparisonDto> {
    const experiment = await this.experiments.byId(experimentId);
    if (!experiment)
      throw new DomainError("NOT_FOUND", `experimentId: no experiment "${experimentId}"`);
    const [series, finalMetrics] = await Promise.all([
      Promise.all(
        experiment.runs.map(async (run) => ({
          runId: run.id,
          strategy: run.strategy,
          seed: run.seed,
          metrics: await this.runSeries(run.id),
        })),
      ),
      // Folded in so the experiment page makes one request, not one per finished run.
      this.runs.finalMetricsOfExperiment(experimentId),
    ]);
    const comparisons = await this.strategyComparisons(experiment, finalMetrics);
    return { experiment, series, finalMetrics, comparisons };
  }

  /** Pairwise significance of the strategies' test accuracies (see strategy-comparisons.ts). */
  async strategyComparisons(
    experiment: ExperimentDetailDto,
    finalMetrics: Record<string, FinalMetrics>,
  ): Promise<StrategyComparison[]> {
    const runs = experiment.runs.map((run) => ({
      runId: run.id,
      strategy: run.strategy,
      seed: run.seed,
      testAccuracy:
        run.status === "SUCCEEDED" ? (finalMetrics[run.id]?.testAccuracy ?? null) : null,
      ...(experiment.trainPerClassLadder ? { trainPerClass: run.trainPerClass } : {}),
      ...(experiment.cutSweep && run.config.kind === "partial"
        ? { cut: describeCut(run.config.cut) }
        : {}),
    }));
    return compareStrategies(runs, (runId) => this.predictions.predictions(runId));
  }

  async runSeries(runId: string): Promise<MetricSeriesDto[]> {
    const byName = await this.metrics.downsampledSeries(runId, MAX_POINTS_PER_SERIES);
    return [...byName].map(([name, points]) => ({ name, points }));
  }
}
