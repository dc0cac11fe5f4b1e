import path from "node:path";
import { DEFAULT_TRAINING_OPTIONS } from "@tlab/core/experiment";
import { PRESETS } from "@tlab/core/presets";
import { METRIC, type RunSpec } from "@tlab/core/run";
import type { StrategyConfig, StrategyKind } from "@tlab/core/strategy";
import { loadModelFromDir } from "../model/load-model-files";
import { readLayerInfo } from "../model/read-layer-info";
import { trainRun, type FeatureEvent } from "../train/train-run";

/**
 * What one epoch of the digits preset costs per strategy on the active backend, the way a worker
 * runs it (trainRun, with a feature cache on disk). For frozen and partial, a first run fills the
 * cache and its feature extraction time is reported on its own; the epoch figure comes from a
 * second run that reads the cache, i.e. the cost of an epoch once the features exist.
 */

export const BUILTIN_BASE_DIR = path.resolve(
  import.meta.dirname,
  "../../assets/base-models/lenet5-digits-0-4",
);

export interface EpochCost {
  /** Median of the measured epochs' epoch/seconds (training steps plus validation). */
  epochSeconds: number;
  /** Seconds spent computing features in the cache-filling run (0 for full). */
  featureExtractionSeconds: number;
  trainImages: number;
  epochsMeasured: number;
}

export interface EpochCostOptions {
  cacheDir: string;
  /**
   * Epochs of each strategy's measured run; the median is reported. Cheap epochs get more: their
   * few tens of milliseconds are easily disturbed by anything else running on the machine.
   */
  epochs: Record<StrategyKind, number>;
  /** The epochs are spread over this many interleaved rounds of the three strategies. */
  rounds: number;
  log: (message: string) => void;
}

const DIGITS = PRESETS.digits;

export async function measureEpochCosts(
  options: EpochCostOptions,
): Promise<Record<StrategyKind, EpochCost>> {
  // One untimed epoch of each strategy first (no disk cache), so the JIT has compiled every code
  // path before anything is timed; otherwise whichever strategy runs first looks slower.
  for (const strategy of DIGITS.strategies) await runOnce(strategy, 1, undefined, []);

  // Cold runs fill the feature cache and time the one-off extraction.
  const featureExtractionSeconds = {} as Record<StrategyKind, number>;
  for (const strategy of DIGITS.strategies) {
    featureExtractionSeconds[strategy.kind] = 0;
    if (strategy.kind === "full") continue;
    const events: FeatureEvent[] = [];
    await runOnce(strategy, 1, options.cacheDir, events);
    featureExtractionSeconds[strategy.kind] = events
      .filter((e) => e.source === "computed")
      .reduce((total, e) => total + e.seconds, 0);
  }

  // Warm runs, interleaved in rounds: a burst of load from another process then slows every
  // strategy a little instead of one strategy a lot, which keeps their ratio honest.
  const epochSeconds = Object.fromEntries(
    DIGITS.strategies.map((s) => [s.kind, [] as number[]]),
  ) as Record<StrategyKind, number[]>;
  let trainImages = 0;
  for (let round = 0; round < options.rounds; round++) {
    for (const strategy of DIGITS.strategies) {
      const epochs = Math.max(1, Math.round(options.epochs[strategy.kind] / options.rounds));
      ({ trainImages } = await runOnce(strategy, epochs, options.cacheDir, [], (seconds) =>
        epochSeconds[strategy.kind].push(seconds),
      ));
    }
  }

  const result = {} as Record<StrategyKind, EpochCost>;
  for (const strategy of DIGITS.strategies) {
    const measured = epochSeconds[strategy.kind];
    result[strategy.kind] = {
      epochSeconds: median(measured),
      featureExtractionSeconds: featureExtractionSeconds[strategy.kind],
      trainImages,
      epochsMeasured: measured.length,
    };
    options.log(
      `  ${strategy.kind}: ${result[strategy.kind].epochSeconds.toFixed(3)} s/epoch (median of ${measured.length})` +
        (strategy.kind === "full"
          ? ""
          : `; features once: ${result[strategy.kind].featureExtractionSeconds.toFixed(3)} s`),
    );
  }
  return result;
}

async function runOnce(
  strategy: StrategyConfig,
  epochs: number,
  cacheDir: string | undefined,
  events: FeatureEvent[],
  onEpochSeconds?: (seconds: number) => void,
): Promise<{ trainImages: number }> {
  const base = await loadModelFromDir(BUILTIN_BASE_DIR);
  try {
    const spec = digitsSpec(base, strategy, epochs);
    await trainRun(spec, {
      baseModel: base,
      ...(cacheDir !== undefined ? { cacheDir } : {}),
      onFeatures: (event) => events.push(event),
      onEpoch: (_epoch, points) => {
        const seconds = points.find((p) => p.name === METRIC.epochSeconds)?.value;
        if (seconds !== undefined) onEpochSeconds?.(seconds);
      },
    });
    const valPerClass = Math.round(spec.trainPerClass * spec.validationFraction);
    return { trainImages: (spec.trainPerClass - valPerClass) * DIGITS_CLASSES.length };
  } finally {
    base.dispose();
  }
}

/** The classes of the preset's dataset (mnist-digits-5-9). */
const DIGITS_CLASSES = [5, 6, 7, 8, 9];

function digitsSpec(
  base: Parameters<typeof readLayerInfo>[0],
  strategy: StrategyConfig,
  epochs: number,
): RunSpec {
  const classes = DIGITS_CLASSES;
  return {
    runId: `bench-${strategy.kind}`,
    experimentId: "bench",
    attempt: 1,
    seed: 1,
    strategy,
    epochs,
    batchSize: DIGITS.batchSize,
    trainPerClass: DIGITS.trainPerClass,
    validationFraction: DIGITS.validationFraction,
    testPerClass: DIGITS.testPerClass,
    training: DEFAULT_TRAINING_OPTIONS,
    leaseMs: 60_000,
    baseModel: {
      id: "bench-base",
      name: DIGITS.baseModel,
      inputShape: [28, 28, 1],
      layers: readLayerInfo(base),
      modelPath: "",
    },
    dataset: {
      id: "bench-dataset",
      name: DIGITS.dataset,
      spec: { source: "mnist", classes },
      classNames: classes.map(String),
    },
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
