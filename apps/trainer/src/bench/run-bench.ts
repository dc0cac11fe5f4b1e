import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { TrainingBackend } from "@tlab/core/run";
import { readEnv } from "../env";
import { BackendUnavailableError, initBackend, type BackendInfo } from "../tf/backend";
import { wasmThreadsFor } from "../tf/wasm-thread-count";
import { measureEpochCosts } from "./epoch-cost";
import {
  measureLenet5Inference,
  measureLenet5Training,
  type ThroughputOptions,
} from "./lenet5-throughput";
import { measureMobileNetV2FineTune } from "./mobilenet-fine-tune";
import { measureMobileNetV2 } from "./mobilenet-throughput";
import { compareWasmThreads, type ThreadsComparison } from "./wasm-threads-compare";

/**
 * `npm run bench`: LeNet-5 training and inference throughput on every backend that can start here,
 * and the cost of one digits-preset epoch per strategy on the default backend. Progress goes to
 * stderr; the last stdout line is one JSON object with the figures.
 *
 * The pure-JS cpu backend trains at a few dozen images per second, so it gets a short budget.
 * wasm runs with the threads a lone worker would use here (TLAB_THREADS or all cores); LeNet-5
 * training with 1 thread against that count is measured side by side as well.
 */

const ALL_BACKENDS: readonly TrainingBackend[] = ["tensorflow-gpu", "tensorflow", "wasm", "cpu"];
const TRAIN_BATCH = 32; // the digits preset's batch size
const INFER_BATCH = 256;
const BATCH_SWEEP = [16, 32, 64, 128, 256];
/** Epochs timed per strategy (median reported): a full epoch takes ~0.5 s, a frozen one ~0.03 s. */
const EPOCHS_MEASURED = { frozen: 15, partial: 9, full: 6 };

const budgets: Record<"fast" | "slow", { train: ThroughputOptions; infer: ThroughputOptions }> = {
  fast: {
    train: { batchSize: TRAIN_BATCH, minSeconds: 2, minSteps: 20, repeats: 3, warmupSteps: 5 },
    infer: { batchSize: INFER_BATCH, minSeconds: 1, minSteps: 10, repeats: 3, warmupSteps: 3 },
  },
  slow: {
    train: { batchSize: TRAIN_BATCH, minSeconds: 3, minSteps: 2, repeats: 1, warmupSteps: 1 },
    infer: { batchSize: INFER_BATCH, minSeconds: 1.5, minSteps: 2, repeats: 1, warmupSteps: 1 },
  },
};

const log = (message: string) => process.stderr.write(`${message}\n`);
const round = (value: number, digits = 1) => Number(value.toFixed(digits));

async function main(): Promise<void> {
  const started = performance.now();
  // The default backend first: "auto" must see no backend chosen yet.
  const wasmThreads = wasmThreadsFor({ override: readEnv().TLAB_THREADS });
  const defaultBackend = await initBackend("auto", { wasmThreads });
  log(`default backend: ${defaultBackend.backend} (${defaultBackend.device})`);
  if (defaultBackend.threadsNote) log(`wasm: ${defaultBackend.threadsNote}`);

  log(
    `epoch cost per strategy, digits preset (300/class, batch ${TRAIN_BATCH}) on ${defaultBackend.backend}:`,
  );
  const cacheDir = await mkdtemp(path.join(os.tmpdir(), "tlab-bench-features-"));
  let epochCosts: Awaited<ReturnType<typeof measureEpochCosts>>;
  try {
    epochCosts = await measureEpochCosts({ cacheDir, epochs: EPOCHS_MEASURED, rounds: 3, log });
  } finally {
    await rm(cacheDir, { recursive: true, force: true });
  }

  const trainImgPerSec: Record<string, number> = {};
  const inferImgPerSec: Record<string, number> = {};
  const devices: Record<string, string> = {};
  const threads: Record<string, number> = {};
  let wasmBatchSweep: Record<string, number> | undefined;
  for (const name of ALL_BACKENDS) {
    let info: BackendInfo;
    try {
      info = await initBackend(name);
    } catch (error) {
      if (!(error instanceof BackendUnavailableError)) throw error;
      log(`${name}: not available here (${error.message.split("\n")[0]})`);
      continue;
    }
    if (info.backend !== name) continue; // e.g. tfjs-node-gpu without a GPU reports "tensorflow"
    devices[name] = info.device;
    threads[name] = info.threads;
    const budget = name === "cpu" ? budgets.slow : budgets.fast;
    const train = measureLenet5Training(budget.train);
    trainImgPerSec[name] = round(train.imagesPerSec);
    log(
      `${name}: train ${train.imagesPerSec.toFixed(0)} img/s (batch ${TRAIN_BATCH}, ${train.steps} steps in ${train.seconds.toFixed(1)} s)`,
    );
    const infer = measureLenet5Inference(budget.infer);
    inferImgPerSec[name] = round(infer.imagesPerSec);
    log(`${name}: infer ${infer.imagesPerSec.toFixed(0)} img/s (batch ${INFER_BATCH})`);
    if (name === "wasm") {
      wasmBatchSweep = {};
      for (const batchSize of BATCH_SWEEP) {
        const sweep = measureLenet5Training({
          ...budgets.fast.train,
          batchSize,
          minSeconds: 1,
          repeats: 2,
        });
        wasmBatchSweep[batchSize] = round(sweep.imagesPerSec);
        log(`wasm: train ${sweep.imagesPerSec.toFixed(0)} img/s at batch ${batchSize}`);
      }
    }
  }

  let wasmThreadsComparison: ThreadsComparison | undefined;
  if (threads.wasm !== undefined && wasmThreads > 1) {
    wasmThreadsComparison = await compareWasmThreads({
      counts: [1, wasmThreads],
      rounds: 2,
      lenet5Train: { ...budgets.fast.train, minSeconds: 2, repeats: 1 },
      log,
    });
  }

  // MobileNetV2 on the default backend, when nsfwjs (a dev dependency) is installed: inference of
  // the base, and a full fine-tune at the default batch size as a run trains it (micro-batches
  // planned for the backend's memory, BatchNorm statistics frozen).
  let mobilenetV2: Record<string, unknown> | undefined;
  const mobileBackend = await initBackend(defaultBackend.backend, { wasmThreads });
  try {
    const mobile = await measureMobileNetV2({
      infer: { batchSize: 8, minSeconds: 2, minSteps: 2, repeats: 2, warmupSteps: 1 },
      train: { batchSize: 1, minSeconds: 0, minSteps: 1, repeats: 1, warmupSteps: 0 },
    });
    const fineTune = await measureMobileNetV2FineTune({
      batchSize: TRAIN_BATCH,
      minSeconds: 6,
      minSteps: 2,
      repeats: 1,
      warmupSteps: 1,
    });
    mobilenetV2 = {
      // Through the inference plan, as frozen layers run in training; layer by layer beside it.
      inferImgPerSec: { [defaultBackend.backend]: round(mobile.infer.plan.imagesPerSec) },
      inferLayerByLayerImgPerSec: {
        [defaultBackend.backend]: round(mobile.infer.layers.imagesPerSec),
      },
      trainImgPerSec: { [defaultBackend.backend]: round(fineTune.imagesPerSec) },
      batchSize: fineTune.batchSize,
      microBatch: fineTune.microBatch,
      threads: mobileBackend.threads,
      peakBytes: fineTune.peakBytes,
    };
    log(
      `mobilenet-v2 on ${defaultBackend.backend}: infer ${mobile.infer.plan.imagesPerSec.toFixed(1)} img/s through the inference plan ` +
        `(${mobile.infer.layers.imagesPerSec.toFixed(1)} layer by layer, batch 8), full fine-tune ${fineTune.imagesPerSec.toFixed(1)} img/s ` +
        `(batch ${fineTune.batchSize} as micro-batches of ${fineTune.microBatch}, peak ${(fineTune.peakBytes / 2 ** 20).toFixed(0)} MiB)`,
    );
  } catch (error) {
    log(`mobilenet-v2: skipped (${error instanceof Error ? error.message : String(error)})`);
  }

  const epochSeconds = {
    frozen: round(epochCosts.frozen.epochSeconds, 4),
    partial: round(epochCosts.partial.epochSeconds, 4),
    full: round(epochCosts.full.epochSeconds, 4),
  };
  const report = {
    lenet5: {
      trainImgPerSec,
      inferImgPerSec,
      trainBatchSize: TRAIN_BATCH,
      inferBatchSize: INFER_BATCH,
      ...(wasmBatchSweep ? { wasmTrainImgPerSecByBatch: wasmBatchSweep } : {}),
      ...(wasmThreadsComparison
        ? { wasmTrainImgPerSecByThreads: wasmThreadsComparison.lenet5TrainImgPerSec }
        : {}),
    },
    ...(mobilenetV2 ? { mobilenetV2 } : {}),
    epochSeconds,
    featureExtractionSeconds: {
      frozen: round(epochCosts.frozen.featureExtractionSeconds, 4),
      partial: round(epochCosts.partial.featureExtractionSeconds, 4),
    },
    epochBackend: defaultBackend.backend,
    ratios: {
      ...(trainImgPerSec.wasm && trainImgPerSec.cpu
        ? { wasmOverCpuTraining: round(trainImgPerSec.wasm / trainImgPerSec.cpu) }
        : {}),
      fullOverFrozenEpoch: round(epochSeconds.full / epochSeconds.frozen),
    },
    devices,
    threads,
    benchSeconds: round((performance.now() - started) / 1000),
  };
  log(`done in ${report.benchSeconds} s`);
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

main().catch((error: unknown) => {
  log(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
