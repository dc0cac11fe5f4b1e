import { toCsv } from "@tlab/core/csv";
import type { MetricSeriesDto } from "@tlab/core/dto";
import type { RunStatus } from "@tlab/core/run";
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
  "trainPerClass",
  "cut",
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
  "requeueReason",
] as const;

/**
 * The run's stored reason is one field for two things: why it ended (FAILED, CANCELED) and, for
 * any other status, why an earlier attempt went back to the queue ("worker shut down; requeued",
 * "retried after attempt 1 ended canceled: …"), which the run timeline shows and so is kept as is.
 * Exports name them apart, so filtering an export for failures finds only runs that failed or were
 * canceled: `failureReason` for those, `requeueReason` for the rest (a SUCCEEDED run that was once
 * requeued included).
 */
function exportedReasons(
  status: RunStatus,
  reason: string | null,
  lastRequeue: string | undefined,
): { failureReason: string | null; requeueReason: string | null } {
  const ended = status === "FAILED" || status === "CANCELED";
  // A SUCCEEDED run has no stored reason; its last requeue comes from its events.
  return {
    failureReason: ended ? reason : null,
    requeueReason: ended ? null : (reason ?? lastRequeue ?? null),
  };
}

/** Downloads for analysis elsewhere: an experiment's comparison and a run's full metric series. */
export class ExportService {
  constructor(
    private readonly comparison: ComparisonService,
    private readonly runs: RunQueryRepository,
    private readonly review: ReviewService,
  ) {}

  /** One row per run with its final metrics, plus (JSON) the settings and the current decision. */
  async experiment(experimentId: string, format: ExportFormat): Promise<ExportFile> {
    const {
      experiment,
      finalMetrics = {},
      comparisons = [],
    } = await this.comparison.compare(experimentId);
    const requeues = await this.runs.lastRequeueReasons(experiment.runs.map((run) => run.id));
    const rows = experiment.runs.map((run) => {
      const m = finalMetrics[run.id];
      return {
        runId: run.id,
        strategy: run.strategy,
        seed: run.seed,
        // A ladder's and a sweep's runs differ in budget and cut, not only strategy and seed.
        trainPerClass: run.trainPerClass,
        cut:
          run.config.kind === "partial"
            ? run.config.cut.by === "layer"
              ? run.config.cut.layer
              : `top ${run.config.cut.k}`
            : null,
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
        ...exportedReasons(run.status, run.failureReason ?? null, requeues.get(run.id)),
      };
    });
    const base = `experiment-${experimentId}`;
    if (format === "csv") {
      return {
        fileName: `${base}.csv`,
        contentType: "text/csv; charset=utf-8",
        body: toCsv(
          RUN_COLUMNS,
          rows.map((r) => RUN_COLUMNS.map((c) => r[c])),
        ),
      };
    }
    const [decision] = await this.review.decisions(experimentId);
    const { runs: _runs, ...settings } = experiment;
    return {
      fileName: `${base}.json`,
      contentType: "application/json",
      body: `${JSON.stringify({ experiment: settings, decision: decision ?? null, runs: rows, comparisons }, null, 2)}\n`,
    };
  }

  /** Every point the run reported (not downsampled), by metric name and step. */
  async runMetrics(runId: string, format: ExportFormat): Promise<ExportFile> {
    // Paged by (step, name): every point exactly once, however many share a step.
    const points = await this.runs.allPointsAfter(runId, -1, PAGE);
    const base = `run-${runId}-metrics`;
    if (format === "csv") {
      return {
        fileName: `${base}.csv`,
        contentType: "text/csv; charset=utf-8",
        body: toCsv(
          ["name", "step", "value"],
          points.map((p) => [p.name, p.step, p.value]),
        ),
      };
    }
    const byName = new Map<string, MetricSeriesDto>();
    for (const p of points) {
      const series = byName.get(p.name) ?? { name: p.name, points: [] };
      series.points.push({ step: p.step, value: p.value });
      byName.set(p.name, series);
    }
    return {
      fileName: `${base}.json`,
      contentType: "application/json",
      body: `${JSON.stringify({ runId, series: [...byName.values()] }, null, 2)}\n`,
    };
  }
}
