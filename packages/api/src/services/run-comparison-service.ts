import type { MetricSeriesDto } from "@tlab/core/dto";
import type { RunComparisonDto } from "@tlab/core/table-queries";
import type { RunQueryRepository } from "@tlab/db/repositories/run-query-repository";

/** Any runs side by side, across experiments: the `/compare` page's one request. */
export class RunComparisonService {
  constructor(
    private readonly runs: RunQueryRepository,
    /** A run's series, downsampled as on the experiment page (ComparisonService.runSeries). */
    private readonly seriesOf: (runId: string) => Promise<MetricSeriesDto[]>,
  ) {}

  async compare(runIds: readonly string[]): Promise<RunComparisonDto> {
    const ids = [...new Set(runIds)];
    const rows = await this.runs.comparedRows(ids);
    const byId = new Map(rows.map((r) => [r.run.id, r]));
    const found = ids.filter((id) => byId.has(id));
    const series = await Promise.all(found.map((id) => this.seriesOf(id)));
    return {
      runs: found.map((id, i) => ({ ...byId.get(id)!, metrics: series[i]! })),
      missing: ids.filter((id) => !byId.has(id)),
    };
  }
}
