import { z } from "zod";
import type { ExperimentSummaryDto, MetricSeriesDto, RunSummaryDto } from "./dto";
import { RunStatus, type FinalMetrics } from "./run";
import { TagName } from "./review";
import { StrategyKind } from "./strategy";
import type { TrainingOptions } from "./experiment";
import type { RunLogLine } from "./run-log";

/**
 * Inputs and results of the dashboard's tables (experiments, runs across experiments) and of the
 * cross-experiment run comparison. Pages are keyset-paginated: the cursor names the last row's
 * sort value and id, so page N costs the same as page 1 however many rows there are.
 */

export const SortDirection = z.enum(["asc", "desc"]);
export type SortDirection = z.infer<typeof SortDirection>;

const pageLimit = z
  .number()
  .int()
  .min(1, "limit must be from 1 to 200")
  .max(200, "limit must be from 1 to 200")
  .default(50);
const cursor = z.string().max(1000).nullish();
const search = z.string().trim().max(200).optional();
const name = z.string().trim().min(1).max(200).optional();

export const ExperimentSortField = z.enum(["createdAt", "name"]);
export type ExperimentSortField = z.infer<typeof ExperimentSortField>;

/** The experiments list's decision filter: the adopted strategy, or "undecided" (none recorded, or "none yet"). */
export const DecisionFilter = z.enum(["undecided", ...StrategyKind.options]);
export type DecisionFilter = z.infer<typeof DecisionFilter>;

export const ExperimentTableInput = z.object({
  limit: pageLimit,
  cursor,
  /** Case-insensitive substring of the experiment name. */
  search,
  baseModel: name,
  dataset: name,
  /** Experiments with at least one run in this status. */
  status: RunStatus.optional(),
  /** By the current review decision. */
  decision: DecisionFilter.optional(),
  /** Experiments carrying this tag. */
  tag: TagName.optional(),
  /** Only the experiments the caller starred. */
  starred: z.boolean().optional(),
  sort: ExperimentSortField.default("createdAt"),
  direction: SortDirection.default("desc"),
});
export type ExperimentTableInput = z.input<typeof ExperimentTableInput>;
export type ExperimentTableQuery = z.output<typeof ExperimentTableInput>;

export interface ExperimentTableRowDto extends ExperimentSummaryDto {
  /** Highest test accuracy of any succeeded run; null before one succeeds. */
  bestTestAccuracy: number | null;
  /** The current review decision: the adopted strategy, "none" (decided: none yet), or null (never decided). */
  decision: StrategyKind | "none" | null;
  /** Sorted. */
  tags: string[];
  starCount: number;
  /** Whether the caller starred it. */
  starredByMe: boolean;
}

export interface ExperimentPageDto {
  items: ExperimentTableRowDto[];
  nextCursor: string | null;
  /** Rows matching the filters, over all pages. */
  total: number;
}

export const RunSortField = z.enum([
  "queuedAt",
  "testAccuracy",
  "wallTimeMs",
  "trainableParams",
  "progress",
]);
export type RunSortField = z.infer<typeof RunSortField>;

export const RunTableInput = z.object({
  limit: pageLimit,
  cursor,
  /** Case-insensitive substring of the experiment name, or a run id. */
  search,
  status: z.array(RunStatus).max(RunStatus.options.length).optional(),
  strategy: z.array(StrategyKind).max(StrategyKind.options.length).optional(),
  baseModel: name,
  dataset: name,
  experimentId: z.string().min(1).max(100).optional(),
  sort: RunSortField.default("queuedAt"),
  direction: SortDirection.default("desc"),
});
export type RunTableInput = z.input<typeof RunTableInput>;
export type RunTableQuery = z.output<typeof RunTableInput>;

export interface RunTableRowDto extends RunSummaryDto {
  experimentName: string;
  baseModelName: string;
  datasetName: string;
}

export interface RunPageDto {
  items: RunTableRowDto[];
  nextCursor: string | null;
  total: number;
}

/** The settings every run of an experiment shares, as recorded with the experiment. */
export interface ExperimentSettingsDto {
  epochs: number;
  batchSize: number;
  trainPerClass: number;
  validationFraction: number;
  testPerClass: number;
  training: TrainingOptions;
}

export const MAX_COMPARED_RUNS = 24;

export const CompareRunsInput = z.object({
  runIds: z
    .array(z.string().min(1).max(100))
    .min(1, "runIds: pick at least one run")
    .max(MAX_COMPARED_RUNS, `runIds: at most ${MAX_COMPARED_RUNS} runs can be compared at once`),
});
export type CompareRunsInput = z.infer<typeof CompareRunsInput>;

export interface ComparedRunDto {
  run: RunTableRowDto;
  settings: ExperimentSettingsDto;
  finalMetrics: FinalMetrics | null;
  /** Downsampled like the experiment comparison: at most ~2,000 points per series. */
  metrics: MetricSeriesDto[];
}

export interface RunComparisonDto {
  /** In the order asked for; ids that do not exist are listed in `missing`. */
  runs: ComparedRunDto[];
  missing: string[];
  /**
   * McNemar's exact test for each pair of compared runs that share a test set (one experiment, one
   * seed, both succeeded with stored predictions); `meanDifference` is accuracy(b) − accuracy(a),
   * a before b in the order asked for. Optional: older servers omit it.
   */
  tests?: RunPairTestDto[];
}

export interface RunPairTestDto {
  a: string;
  b: string;
  method: "mcnemar";
  n: number;
  meanDifference: number;
  ci95: [number, number];
  pValue: number;
}

/** One server-sent event of a run's live stream (GET /api/runs/:runId/events). */
export type RunStreamEvent =
  | { type: "run"; run: RunSummaryDto }
  | { type: "metrics"; points: { name: string; step: number; value: number }[] }
  /** Log lines after the ones already sent, in (attempt, seq) order. */
  | { type: "logs"; lines: RunLogLine[] }
  | { type: "end"; status: RunStatus };
