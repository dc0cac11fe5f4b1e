import { initBackend } from "../tf/backend";
import {
  measureLenet5Training,
  type Throughput,
  type ThroughputOptions,
} from "./lenet5-throughput";
import { measureMobileNetV2Inference } from "./mobilenet-throughput";

/**
 * The wasm backend at several thread counts, side by side in one process: rounds alternate the
 * counts (1, N, 1, N, ...) so that a change in the machine's load hits both alike, and the best
 * round of each count is reported, as other processes can only ever slow a round down. Each
 * switch rebuilds the wasm backend, so models are built anew for each measurement.
 */

export interface ThreadsComparisonOptions {
  counts: number[];
  rounds: number;
  lenet5Train: ThroughputOptions;
  /** MobileNetV2 224² inference (base.predict); left out when undefined or nsfwjs is missing. */
  mobilenetInfer?: ThroughputOptions;
  log: (message: string) => void;
}

export interface ThreadsComparison {
  /** Threads each count actually ran with (fewer when the threaded build could not start). */
  threads: Record<string, number>;
  lenet5TrainImgPerSec: Record<string, number>;
  mobilenetV2InferImgPerSec?: Record<string, number>;
  /**
   * CPU milliseconds (all threads) per image in the best round: on a busy machine, where other
   * processes hold the cores, this shows what wall time cannot, whether the extra threads did
   * useful work (about the same CPU per image) or spun waiting for each other (more).
   */
  cpuMsPerImage: { lenet5Train: Record<string, number>; mobilenetV2Infer?: Record<string, number> };
  rounds: number;
}

export async function compareWasmThreads(
  options: ThreadsComparisonOptions,
): Promise<ThreadsComparison> {
  const threads: Record<string, number> = {};
  const lenet5: Record<string, number> = {};
  let mobilenet: Record<string, number> | undefined = options.mobilenetInfer ? {} : undefined;
  const lenet5Cpu: Record<string, number> = {};
  const mobilenetCpu: Record<string, number> = {};
  const cpuPerImage = (t: Throughput, batchSize: number) =>
    (t.cpuSeconds * 1000) / (t.steps * batchSize);
  for (let round = 1; round <= options.rounds; round++) {
    for (const count of options.counts) {
      const info = await initBackend("wasm", { wasmThreads: count });
      threads[count] = info.threads;
      const train = measureLenet5Training(options.lenet5Train);
      if (train.imagesPerSec > (lenet5[count] ?? 0)) {
        lenet5[count] = train.imagesPerSec;
        lenet5Cpu[count] = cpuPerImage(train, options.lenet5Train.batchSize);
      }
      let line = `wasm ${info.threads} thread(s), round ${round}: lenet5 train ${train.imagesPerSec.toFixed(0)} img/s`;
      if (mobilenet && options.mobilenetInfer) {
        try {
          const infer = await measureMobileNetV2Inference(options.mobilenetInfer);
          if (infer.imagesPerSec > (mobilenet[count] ?? 0)) {
            mobilenet[count] = infer.imagesPerSec;
            mobilenetCpu[count] = cpuPerImage(infer, options.mobilenetInfer.batchSize);
          }
          line += `, mobilenet-v2 infer ${infer.imagesPerSec.toFixed(1)} img/s`;
        } catch (error) {
          options.log(
            `mobilenet-v2: skipped (${error instanceof Error ? error.message : String(error)})`,
          );
          mobilenet = undefined;
        }
      }
      options.log(line);
    }
  }
  const round = (record: Record<string, number>, digits = 1) =>
    Object.fromEntries(Object.entries(record).map(([k, v]) => [k, Number(v.toFixed(digits))]));
  return {
    threads,
    lenet5TrainImgPerSec: round(lenet5),
    ...(mobilenet ? { mobilenetV2InferImgPerSec: round(mobilenet) } : {}),
    cpuMsPerImage: {
      lenet5Train: round(lenet5Cpu, 3),
      ...(mobilenet ? { mobilenetV2Infer: round(mobilenetCpu) } : {}),
    },
    rounds: options.rounds,
  };
}
