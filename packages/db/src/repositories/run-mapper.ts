import type { RunSummaryDto } from "@tlab/core/dto";
import { RunStatus, TrainingBackend } from "@tlab/core/run";
import { StrategyConfig } from "@tlab/core/strategy";
import type { Db } from "../client";
import { parseJsonColumn } from "../json";

type RunRow = Awaited<ReturnType<Db["run"]["findFirstOrThrow"]>> & {
  worker?: { name: string } | null;
};

export const runSummaryInclude = { worker: { select: { name: true } } } as const;

export function toRunSummary(row: RunRow): RunSummaryDto {
  const config = parseJsonColumn(StrategyConfig, row.config, "Run.config");
  return {
    id: row.id,
    experimentId: row.experimentId,
    strategy: config.kind,
    config,
    seed: row.seed,
    trainPerClass: row.trainPerClass,
    trainedBaseLayers: row.trainedBaseLayers,
    status: RunStatus.parse(row.status),
    attempt: row.attempt,
    progress: row.progress,
    workerId: row.workerId,
    workerName: row.worker?.name ?? null,
    backend: row.backend ? TrainingBackend.parse(row.backend) : null,
    queuedAt: row.queuedAt.toISOString(),
    startedAt: row.startedAt?.toISOString() ?? null,
    finishedAt: row.finishedAt?.toISOString() ?? null,
    failureReason: row.failureReason,
    cancelRequested: row.cancelRequested,
    testAccuracy: row.testAccuracy,
    trainableParams: row.trainableParams,
    totalParams: row.totalParams,
    wallTimeMs: row.wallTimeMs,
    reportedByClient: row.reportedByClient,
  };
}
