import { perClassMetrics } from "@tlab/core/classification-metrics";
import type { FinalMetrics, RunSpec } from "@tlab/core/run";
import { trpc, type WebServer } from "./web-server";

// A worker simulated over the worker API, so browser tests get finished runs without training.

const ACCURACY: Record<string, number> = { frozen: 0.86, partial: 0.93, full: 0.95 };
const TRAINABLE: Record<string, number> = { frozen: 425, partial: 58_709, full: 61_281 };
const SECONDS: Record<string, number> = { frozen: 4, partial: 14, full: 22 };

/** Claims and finishes every queued run like a worker would, with plausible per-strategy results. */
export async function finishAllRuns(server: WebServer): Promise<number> {
  const token = server.workerToken();
  const worker = await trpc<{ id: string }>(
    server.url,
    "worker.register",
    { name: "sim-worker", hostname: "e2e-host", backend: "cpu", device: "simulated", versions: {} },
    { token, mutation: true },
  );
  let finished = 0;
  for (;;) {
    const spec = await trpc<RunSpec | null>(
      server.url,
      "worker.claim",
      { workerId: worker.id },
      { token, mutation: true },
    );
    if (!spec) return finished;
    const kind = spec.strategy.kind;
    const jitter = (spec.seed - 1.5) * 0.012;
    // Up to 4 epochs, within the run's budget (the API refuses steps beyond it).
    const epochs = Math.min(4, spec.epochs);
    const points = Array.from({ length: epochs }, (_, i) => i + 1).flatMap((epoch) => [
      { name: "val/accuracy", step: epoch, value: ACCURACY[kind]! - 0.3 / epoch + jitter },
      { name: "val/loss", step: epoch, value: 0.2 + 0.8 / epoch - jitter },
      { name: "train/loss", step: epoch, value: 0.15 + 0.9 / epoch },
    ]);
    await trpc(
      server.url,
      "worker.reportMetrics",
      { workerId: worker.id, runId: spec.runId, points },
      { token, mutation: true },
    );
    const accuracy = ACCURACY[kind]! + jitter;
    const correct = Math.round(100 * accuracy);
    const confusionMatrix = [0, 1, 2, 3, 4].map((i) =>
      [0, 1, 2, 3, 4].map((j) => (i === j ? correct : j === (i + 1) % 5 ? 100 - correct : 0)),
    );
    const classNames = ["5", "6", "7", "8", "9"];
    const metrics: FinalMetrics = {
      testAccuracy: accuracy,
      testLoss: 0.3,
      confusionMatrix,
      classNames,
      perClass: perClassMetrics(confusionMatrix, classNames),
      bestEpoch: epochs,
      epochsRun: epochs,
      trainableParams: TRAINABLE[kind]!,
      totalParams: 61_281,
      wallTimeMs: SECONDS[kind]! * 1000 * (1 + jitter),
      trainImagesPerSec: 30_000 / SECONDS[kind]!,
      peakMemoryBytes: 200e6 + TRAINABLE[kind]! * 100,
    };
    await trpc(
      server.url,
      "worker.complete",
      { workerId: worker.id, runId: spec.runId, metrics },
      { token, mutation: true },
    );
    finished += 1;
  }
}
