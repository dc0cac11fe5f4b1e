import os from "node:os";
import { readEnv } from "../env";
import { wasmThreadsFor } from "../tf/wasm-thread-count";
import { compareWasmThreads } from "./wasm-threads-compare";

/**
 * `npm run bench:threads -w @tlab/trainer`: the wasm backend with 1 thread against the count a
 * lone worker would use here (TLAB_THREADS or all cores), on LeNet-5 training (batch 32) and
 * MobileNetV2 224² inference (batch 8), alternating in one process. Progress on stderr, one JSON
 * object on the last stdout line.
 */
const log = (message: string) => process.stderr.write(`${message}\n`);
const env = readEnv();
const threads = wasmThreadsFor({ override: env.TLAB_THREADS });
const counts = threads > 1 ? [1, threads] : [1, 2];
const started = performance.now();
const comparison = await compareWasmThreads({
  counts,
  rounds: 3,
  lenet5Train: { batchSize: 32, minSeconds: 3, minSteps: 20, repeats: 1, warmupSteps: 5 },
  mobilenetInfer: { batchSize: 8, minSeconds: 4, minSteps: 3, repeats: 1, warmupSteps: 1 },
  log,
});
const [one, many] = counts.map(String) as [string, string];
const speedup = (record: Record<string, number> | undefined) =>
  record?.[one] && record[many] ? Number((record[many] / record[one]).toFixed(2)) : undefined;
const report = {
  wasmThreads: {
    ...comparison,
    speedup: {
      lenet5Train: speedup(comparison.lenet5TrainImgPerSec),
      mobilenetV2Infer: speedup(comparison.mobilenetV2InferImgPerSec),
    },
    availableParallelism: os.availableParallelism(),
    loadAverage: os.loadavg().map((l) => Number(l.toFixed(2))),
  },
  benchSeconds: Number(((performance.now() - started) / 1000).toFixed(1)),
};
process.stdout.write(`${JSON.stringify(report)}\n`);
