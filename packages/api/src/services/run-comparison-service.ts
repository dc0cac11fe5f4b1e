import type { MetricSeriesDto } from "@tlab/core/dto";
import type { RunPredictions } from "@tlab/core/run-predictions";
import { mcnemarExact } from "@tlab/core/significance";
import type { ComparedRunDto, RunComparisonDto, RunPairTestDto } from "@tlab/core/table-queries";
import type { RunQueryRepository } from "@tlab/db/repositories/run-query-repository";

/** Any runs side by side, across experiments: the `/compare` page's one request. */
export class RunComparisonService {
  constructor(
    private readonly runs: RunQueryRepository,
    /** A run's series, downsampled as on the experiment page (ComparisonService.runSeries). */
    private readonly seriesOf: (runId: string) => Promise<MetricSeriesDto[]>,
    /** A succeeded run's stored per-image predictions (RunPredictionsService.predictions). */
    private readonly predictionsOf: (runId: string) => Promise<RunPredictions | undefined>,
  ) {}

  async compare(runIds: readonly string[]): Promise<RunComparisonDto> {
    const ids = [...new Set(runIds)];
    const rows = await this.runs.comparedRows(ids);
    const byId = new Map(rows.map((r) => [r.run.id, r]));
    const found = ids.filter((id) => byId.has(id));
    const series = await Promise.all(found.map((id) => this.seriesOf(id)));
    const runs = found.map((id, i) => ({ ...byId.get(id)!, metrics: series[i]! }));
    return { runs, missing: ids.filter((id) => !byId.has(id)), tests: await this.pairTests(runs) };
  }

  /** McNemar for each pair of runs over one test set: same experiment and seed, both succeeded. */
  private async pairTests(runs: readonly ComparedRunDto[]): Promise<RunPairTestDto[]> {
    const succeeded = runs.filter((r) => r.run.status === "SUCCEEDED");
    const loaded = new Map<string, Promise<RunPredictions | undefined>>();
    const load = (id: string) => {
      if (!loaded.has(id)) loaded.set(id, this.predictionsOf(id));
      return loaded.get(id)!;
    };
    const tests: RunPairTestDto[] = [];
    for (const [i, a] of succeeded.entries()) {
      for (const b of succeeded.slice(i + 1)) {
        if (a.run.experimentId !== b.run.experimentId || a.run.seed !== b.run.seed) continue;
        const [pa, pb] = await Promise.all([load(a.run.id), load(b.run.id)]);
        if (!pa || !pb || pa.labels.length !== pb.labels.length || pa.labels.length === 0) continue;
        if (pa.labels.some((label, k) => label !== pb.labels[k])) continue;
        const m = mcnemarExact(pa.labels, pa.predicted, pb.predicted);
        tests.push({
          a: a.run.id,
          b: b.run.id,
          method: "mcnemar",
          n: m.n,
          meanDifference: m.meanDifference,
          ci95: m.ci95,
          pValue: m.pValue,
        });
      }
    }
    return tests;
  }
}
