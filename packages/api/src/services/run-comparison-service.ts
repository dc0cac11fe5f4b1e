import { downsampleMinMax } from "@tlab/core/downsample";
import type { RunComparisonDto } from "@tlab/core/table-queries";
import type { RunQueryRepository } from "@tlab/db/repositories/run-query-repository";
import { MAX_POINTS_PER_SERIES } from "./comparison-service";

/** Any runs side by side, across experiments: the `/compare` page's one request. */
export class RunComparisonService {
  constructor(private readonly runs: RunQueryRepository) {}

  async compare(runIds: readonly string[]): Promise<RunComparisonDto> {
    const ids = [...new Set(runIds)];
    const [rows, series] = await Promise.all([this.runs.comparedRows(ids), this.runs.seriesOfRuns(ids)]);
    const byId = new Map(rows.map((r) => [r.run.id, r]));
    return {
      runs: ids.flatMap((id) => {
        const row = byId.get(id);
        if (!row) return [];
        const metrics = [...(series.get(id) ?? new Map())].map(([name, points]) => ({ name, points: downsampleMinMax(points, MAX_POINTS_PER_SERIES) }));
        return [{ ...row, metrics }];
      }),
      missing: ids.filter((id) => !byId.has(id)),
    };
  }
}
