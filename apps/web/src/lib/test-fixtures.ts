import type { RunDetailDto, RunSummaryDto } from "@tlab/core/dto";
import { defaultStrategy } from "@tlab/core/strategy";

/** A queued full fine-tune of seed 1, with `over` on top: the dashboard tests' run summary. */
export function runSummaryFixture(over: Partial<RunSummaryDto> = {}): RunSummaryDto {
  const strategy = over.strategy ?? "full";
  return {
    id: "r1",
    experimentId: "e1",
    strategy,
    config: defaultStrategy(strategy),
    seed: 1,
    trainPerClass: 300,
    trainedBaseLayers: strategy === "frozen" ? 0 : strategy === "full" ? 4 : 2,
    status: "QUEUED",
    attempt: 0,
    progress: 0,
    workerId: null,
    workerName: null,
    backend: null,
    queuedAt: "2026-01-01T00:00:00.000Z",
    startedAt: null,
    finishedAt: null,
    failureReason: null,
    cancelRequested: false,
    testAccuracy: null,
    trainableParams: null,
    totalParams: null,
    wallTimeMs: null,
    reportedByClient: false,
    ...over,
  };
}

/** The run page's detail of `runSummaryFixture`, with no metrics, artifacts or events yet. */
export function runDetailFixture(over: Partial<RunDetailDto> = {}): RunDetailDto {
  return {
    ...runSummaryFixture(over),
    experimentName: "e",
    finalMetrics: null,
    clientSettings: null,
    artifacts: [],
    events: [],
    ...over,
  };
}
