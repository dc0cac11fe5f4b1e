import type { TrainingOptions } from "./experiment";
import type { ExternalRunSettings, ExternalSubject } from "./external-run";
import type { LayerInfo } from "./layer-plan";
import type { AuthorDto, RunLifecycleEventDto } from "./review";
import type { DatasetSpec, FinalMetrics, RunStatus, TrainingBackend } from "./run";
import type { StrategyConfig, StrategyKind } from "./strategy";
import type { StrategyComparison } from "./strategy-comparisons";
import type { CutSweep } from "./transfer-sweep";

/** What the API returns. Dates travel as ISO strings; nothing here is a database type. */
export interface BaseModelDto {
  id: string;
  name: string;
  description: string;
  inputShape: number[];
  layers: LayerInfo[];
  totalParams: number;
  /** builtin: shipped or pretrained here; import: uploaded; run: promoted from a run's model. */
  source: string;
  /** For source "run": the run whose trained model this base model is (lineage). */
  parentRunId: string | null;
  createdAt: string;
}

/** The run a promoted base model came from, named as the dashboard names a run. */
export interface BaseModelSourceRunDto {
  id: string;
  experimentId: string;
  experimentName: string;
  strategy: StrategyKind;
  seed: number;
}

/** A row of the Models page: the base model and, when promoted, the run it came from (null when that run is gone). */
export interface BaseModelListItemDto extends BaseModelDto {
  sourceRun: BaseModelSourceRunDto | null;
}

/** A base model promoted from a given run (the run page's lineage). */
export interface PromotedBaseModelDto {
  id: string;
  name: string;
  createdAt: string;
}

export interface DatasetDto {
  id: string;
  name: string;
  description: string;
  spec: DatasetSpec;
  classNames: string[];
  createdAt: string;
}

export interface RunSummaryDto {
  id: string;
  experimentId: string;
  strategy: StrategyKind;
  config: StrategyConfig;
  seed: number;
  /** Labelled images per class this run trains with; null only on runs from before it was recorded per run. */
  trainPerClass: number | null;
  /** Weighted base layers the run trains (0 for frozen), planned at launch; null on older runs. */
  trainedBaseLayers: number | null;
  status: RunStatus;
  attempt: number;
  progress: number;
  workerId: string | null;
  workerName: string | null;
  backend: TrainingBackend | null;
  queuedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  failureReason: string | null;
  cancelRequested: boolean;
  testAccuracy: number | null;
  trainableParams: number | null;
  totalParams: number | null;
  wallTimeMs: number | null;
  /** Reported by a client over the HTTP API (an external experiment's run), not trained by a worker. */
  reportedByClient: boolean;
}

export interface RunDetailDto extends RunSummaryDto {
  experimentName: string;
  finalMetrics: FinalMetrics | null;
  /** The settings a client declared for a run it reports; null for runs trained by workers. */
  clientSettings: ExternalRunSettings | null;
  artifacts: ArtifactDto[];
  /** The run's recorded history, oldest first; empty for runs from before it was recorded. */
  events: RunLifecycleEventDto[];
}

export interface ArtifactDto {
  id: string;
  kind: string;
  fileName: string;
  sizeBytes: number;
  createdAt: string;
}

export interface ExperimentSummaryDto {
  id: string;
  name: string;
  baseModelName: string;
  datasetName: string;
  epochs: number;
  seeds: number;
  createdAt: string;
  runCounts: Record<RunStatus, number>;
}

export interface ExperimentDetailDto extends ExperimentSummaryDto {
  /** builtin: launched here and trained by workers; external: its runs are reported by a client. */
  source: "builtin" | "external";
  /** What an external experiment's client said about its base model and dataset; null for built-in ones. */
  external: ExternalSubject | null;
  /** Who launched it; null when no user did (a script) or the account is gone. */
  launchedBy: AuthorDto | null;
  batchSize: number;
  /** The largest label budget when there is a ladder. */
  trainPerClass: number;
  /** Label-budget ladder, smallest first as given; null: trainPerClass alone. */
  trainPerClassLadder: number[] | null;
  /** Cut sweep as launched; null: the partial strategy's own cut. */
  cutSweep: CutSweep | null;
  validationFraction: number;
  testPerClass: number;
  training: TrainingOptions;
  notes: string;
  runs: RunSummaryDto[];
}

export interface SeriesPoint {
  step: number;
  value: number;
}

/** A metric series, reduced on the server to at most ~2,000 points (see MetricRepository.downsampledSeries). */
export interface MetricSeriesDto {
  name: string;
  points: SeriesPoint[];
}

export interface ComparisonDto {
  experiment: ExperimentDetailDto;
  /** Per run, the downsampled series of each metric it reported. */
  series: { runId: string; strategy: StrategyKind; seed: number; metrics: MetricSeriesDto[] }[];
  /** Final metrics of each succeeded run, keyed by run id, so the page needs no request per run. Optional: older servers omit it. */
  finalMetrics?: Record<string, FinalMetrics>;
  /** Pairwise significance of the strategies' test accuracies. Optional: older servers omit it. */
  comparisons?: StrategyComparison[];
}

export interface WorkerDto {
  id: string;
  name: string;
  hostname: string;
  backend: TrainingBackend;
  device: string;
  lastSeenAt: string;
  currentRunId: string | null;
}

/** A row of the workers page: the worker and, while it trains, which run that is and how far. */
export interface WorkerListItemDto extends WorkerDto {
  /** Seen within the server's lease (two heartbeat intervals); otherwise offline since lastSeenAt. */
  online: boolean;
  currentRun: {
    id: string;
    experimentName: string;
    strategy: StrategyKind;
    seed: number;
    progress: number;
  } | null;
}
