import { tf } from "../tf/backend";
import {
  activationBytesLowerBound,
  backendMemoryLimit,
  measureStepCost,
  planMicroBatch,
  type MicroBatchPlan,
  type ModelDescription,
} from "./step-memory";
import { probePass, trainedVariables, type TrainingContext } from "./train-step";
import type { Phase } from "./training-phases";

/**
 * How many images each forward/backward pass may take so a step fits the backend's memory
 * (memoryLimitBytes, or the backend's own limit): a model that cannot fit even one image is
 * refused first from its layers' output sizes, before anything is allocated; otherwise one pass of
 * one image and one of two are measured (their tensor ledger's peak) and the batch is split to fit. Head-only
 * steps on cached features need no plan (null): they hold a few kilobytes per image.
 */
export function planPasses(input: {
  context: TrainingContext;
  /** Whether some phase trains base layers (the plan is made for that, the heaviest, pass). */
  trainsBase: boolean;
  batchSize: number;
  model: ModelDescription;
  memoryLimitBytes?: number;
}): MicroBatchPlan | null {
  const { context, trainsBase, batchSize, model } = input;
  if (!trainsBase && context.set.stage !== "images") return null;
  const phase: Phase = { epochs: 1, trainBase: trainsBase };
  const variables = trainedVariables(context, phase);
  // Adam's two moments, the summed gradients and the best epoch's snapshot live beside every pass.
  const residentBytes = 4 * variables.reduce((n, v) => n + v.size * 4, 0);
  const limit = backendMemoryLimit(tf.getBackend(), input.memoryLimitBytes);
  const liveBytes = tf.memory().numBytes;
  const lowerBound =
    trainsBase && context.trainablePart
      ? activationBytesLowerBound(context.trainablePart.layers)
      : 0;
  planMicroBatch({
    batchSize,
    cost: { fixedBytes: residentBytes, perImageBytes: lowerBound },
    liveBytes,
    limit,
    model,
  });
  // A probe in training mode moves BatchNorm statistics ("updated"); they are put back after it.
  const statistics = context.trainablePart
    ? context.trainablePart.nonTrainableWeights.map((w) => [w, tf.clone(w.read())] as const)
    : [];
  let cost: ReturnType<typeof measureStepCost>;
  try {
    cost = measureStepCost((images) => probePass(context, phase, images), context.set.count);
  } finally {
    for (const [weight, value] of statistics) {
      weight.write(value);
      value.dispose();
    }
  }
  return planMicroBatch({
    batchSize,
    cost: { fixedBytes: cost.fixedBytes + residentBytes, perImageBytes: cost.perImageBytes },
    liveBytes,
    limit,
    model,
  });
}
