import { DEFAULT_TRAINING_OPTIONS } from "@tlab/core/experiment";
import type { RunSpec } from "@tlab/core/run";
import { StrategyConfig, type StrategyConfigInput } from "@tlab/core/strategy";
import { readLayerInfo } from "../model/read-layer-info";
import type { tf } from "../tf/backend";

/** The classes the trainer's tests fine-tune on: MNIST digits the LeNet-5 base never saw. */
export const DIGITS_5_TO_9 = [5, 6, 7, 8, 9];

/**
 * A run of `strategy` from `base` on MNIST digits 5–9, as a worker would receive it: the base's
 * layers read from the model itself, its input shape from its input. Each test sets its own small
 * budget (seed, epochs, batch, split sizes) in `overrides`.
 */
export function digitsRunSpec(
  base: tf.LayersModel,
  strategy: StrategyConfigInput,
  overrides: Partial<RunSpec> = {},
  baseName = "lenet5-digits-0-4",
): RunSpec {
  return {
    runId: "run-test",
    experimentId: "experiment-test",
    attempt: 1,
    seed: 1,
    strategy: StrategyConfig.parse(strategy),
    epochs: 1,
    batchSize: 32,
    trainPerClass: 40,
    validationFraction: 0.2,
    testPerClass: 40,
    training: DEFAULT_TRAINING_OPTIONS,
    leaseMs: 60_000,
    baseModel: {
      id: "base",
      name: baseName,
      inputShape: base.inputs[0]!.shape.slice(1) as number[],
      layers: readLayerInfo(base),
      modelPath: "",
    },
    dataset: {
      id: "dataset",
      name: "mnist-digits-5-9",
      spec: { source: "mnist", classes: DIGITS_5_TO_9 },
      classNames: DIGITS_5_TO_9.map(String),
    },
    ...overrides,
  };
}
