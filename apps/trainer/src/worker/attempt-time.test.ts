import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import type { FinalMetrics } from "@tlab/core/run";
import { ApiWaitClock, attemptFinalMetrics } from "./attempt-time";

const finalMetricsFixture = (overrides: Partial<FinalMetrics>): FinalMetrics => ({
  testAccuracy: 0.9,
  testLoss: 0.3,
  confusionMatrix: [[1]],
  classNames: ["a"],
  perClass: [{ className: "a", precision: 1, recall: 1, f1: 1, support: 1 }],
  bestEpoch: 1,
  epochsRun: 1,
  trainableParams: 10,
  totalParams: 20,
  wallTimeMs: 1,
  trainImagesPerSec: 100,
  peakMemoryBytes: 1,
  ...overrides,
});

describe("an attempt's training time", () => {
  it("adds up the time spent waiting for API calls, failed ones included", async () => {
    const clock = new ApiWaitClock();
    await clock.time(() => sleep(60));
    await clock
      .time(() => sleep(40).then(() => Promise.reject(new Error("outage"))))
      .catch(() => undefined);
    expect(clock.ms).toBeGreaterThanOrEqual(95);
    expect(clock.ms).toBeLessThan(1_000);
  });

  it("leaves the waiting out of the wall time and reports it apart, with the epoch it resumed from", () => {
    const metrics = finalMetricsFixture({ wallTimeMs: 10_000 });
    expect(attemptFinalMetrics(metrics, 2_500, 3)).toMatchObject({
      wallTimeMs: 7_500,
      apiWaitMs: 2_500,
      resumedFromEpoch: 3,
    });
    expect(attemptFinalMetrics(metrics, 0, undefined)).toMatchObject({
      wallTimeMs: 10_000,
      apiWaitMs: 0,
      resumedFromEpoch: 0,
    });
  });
});
