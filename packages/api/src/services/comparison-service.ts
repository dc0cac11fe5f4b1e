import { downsampleMinMax } from "@tlab/core/downsample";
import type { ComparisonDto, MetricSeriesDto } from "@tlab/core/dto";
import { DomainError } from "@tlab/core/errors";
import type { ExperimentRepository } from "@tlab/db/repositories/experiment-repository";
import type { MetricRepository } from "@tlab/db/repositories/metric-repository";
import type { RunQueryRepository } from "@tlab/db/repositories/run-query-repository";

/** A chart never needs more points per series than it has pixels across. */
export const MAX_POINTS_PER_SERIES = 2000;

export class ComparisonService {
  constructor(
    private readonly experiments: ExperimentRepository,
    private readonly metrics: MetricRepository,
    private readonly runs: RunQueryRepository,
  ) {}

  async compare(experimentId: string): Promise<ComparisonDto> {
    const experiment = await this.experiments.byId(experimentId);
    if (!experiment) throw new DomainError("NOT_FOUND", `id: no experiment "${experimentId}"`);
    // One query for every run's points and one for the final metrics, however many runs there are.
    const [points, finalMetrics] = await Promise.all([
      this.runs.seriesOfRuns(experiment.runs.map((r) => r.id)),
      this.runs.finalMetricsOfExperiment(experimentId),
    ]);
    const series = experiment.runs.map((run) => ({
      runId: run.id,
      strategy: run.strategy,
      seed: run.seed,
      metrics: [...(points.get(run.id) ?? new Map())].map(([name, list]) => ({ name, points: downsampleMinMax(list, MAX_POINTS_PER_SERIES) })),
    }));
    return { experiment, series, finalMetrics };
  }

  async runSeries(runId: string): Promise<MetricSeriesDto[]> {
    const byName = await this.metrics.series(runId);
    return [...byName].map(([name, points]) => ({ name, points: downsampleMinMax(points, MAX_POINTS_PER_SERIES) }));
  }
}
