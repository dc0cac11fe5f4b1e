import { toCsv } from "@tlab/core/csv";
import type { MetricSeriesDto } from "@tlab/core/dto";
import type { RunQueryRepository } from "@tlab/db/repositories/run-query-repository";
import type { ComparisonService } from "./comparison-service";
import type { ReviewService } from "./review-service";

export type ExportFormat = "csv" | "json";

export interface ExportFile {
  fileName: string;
  contentType: string;
  body: string;
}

const PAGE = 5000;
const RUN_COLUMNS = [
  "runId",
  "strategy",
  "seed",
  "status",
  "attempt",
  "testAccuracy",
  "testLoss",
  "bestEpoch",
  "epochsRun",
  "trainableParams",
  "totalParams",
  "wallTimeMs",
  "trainImagesPerSec",
  "failureReason",
] as const;

/** Downloads for analysis elsewhere: an experiment's comparison and a run's full metric series. */
export class ExportService {
  constructor(
    private readonly comparison: ComparisonService,
    private readonly runs: RunQueryRepository,
    private readonly review: ReviewService,
  ) {}

  /** One row per run with its final metrics, plus (JSON) the settings and the current decision. */
  async experiment(experimentId: string, format: ExportFormat): Promise<ExportFile> {
    const { experiment, finalMetrics = {} } = await this.comparison.compare(experimentId);
    const rows = experiment.runs.map((run) => {
      const m = finalMetrics[run.id];
      return {
        runId: run.id,
        strategy: run.strategy,
        seed: run.seed,
        status: run.status,
        attempt: run.attempt,
        testAccuracy: m?.testAccuracy ?? null,
        testLoss: m?.testLoss ?? null,
        bestEpoch: m?.bestEpoch ?? null,
        epochsRun: m?.epochsRun ?? null,
        trainableParams: m?.trainableParams ?? null,
        totalParams: m?.totalParams ?? null,
        wallTimeMs: m?.wallTimeMs ?? null,
        trainImagesPerSec: m?.trainImagesPerSec ?? null,
        failureReason: run.failureReason ?? null,
      };
    });
    const base = `experiment-${experimentId}`;
    if (format === "csv") {
      return { fileName: `${base}.csv`, contentType: "text/csv; charset=utf-8", body: toCsv(RUN_COLUMNS, rows.map((r) => RUN_COLUMNS.map((c) => r[c]))) };
    }
    const [decision] = await this.review.decisions(experimentId);
    const { runs: _runs, ...settings } = experiment;
    return { fileName: `${base}.json`, contentType: "application/json", body: `${JSON.stringify({ experiment: settings, decision: decision ?? null, runs: rows }, null, 2)}\n` };
  }

  /** Every point the run reported (not downsampled), by metric name and step. */
  async runMetrics(runId: string, format: ExportFormat): Promise<ExportFile> {
    const points: { name: string; step: number; value: number }[] = [];
    for (let after = -1; ; ) {
      const page = await this.runs.pointsAfter(runId, after, PAGE);
      if (page.length < PAGE) {
        points.push(...page);
        break;
      }
      // A page can end in the middle of a step (several metrics per step): keep whole steps only
      // and read the cut step again with the next page.
      const last = page.at(-1)!.step;
      const whole = page.filter((p) => p.step < last);
      points.push(...(whole.length > 0 ? whole : page));
      after = whole.length > 0 ? whole.at(-1)!.step : last;
    }
    const base = `run-${runId}-metrics`;
    if (format === "csv") {
      return { fileName: `${base}.csv`, contentType: "text/csv; charset=utf-8", body: toCsv(["name", "step", "value"], points.map((p) => [p.name, p.step, p.value])) };
    }
    const byName = new Map<string, MetricSeriesDto>();
    for (const p of points) {
      const series = byName.get(p.name) ?? { name: p.name, points: [] };
      series.points.push({ step: p.step, value: p.value });
      byName.set(p.name, series);
    }
    return { fileName: `${base}.json`, contentType: "application/json", body: `${JSON.stringify({ runId, series: [...byName.values()] }, null, 2)}\n` };
  }
}
