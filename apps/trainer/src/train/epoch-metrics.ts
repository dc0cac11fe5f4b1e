import { LEARNING_RATE_METRIC, METRIC, type MetricPoint } from "@tlab/core/run";

/** What one epoch reports: its training loss and accuracy, learning rate, validation and time. */
export function epochMetricPoints(input: {
  epoch: number;
  trained: { loss: number; accuracy: number };
  validation: { loss: number; accuracy: number } | undefined;
  learningRate: number;
  seconds: number;
}): MetricPoint[] {
  const { epoch: step, trained, validation } = input;
  return [
    { name: METRIC.trainLoss, step, value: trained.loss },
    { name: METRIC.trainAccuracy, step, value: trained.accuracy },
    { name: LEARNING_RATE_METRIC, step, value: input.learningRate },
    ...(validation
      ? [
          { name: METRIC.valLoss, step, value: validation.loss },
          { name: METRIC.valAccuracy, step, value: validation.accuracy },
        ]
      : []),
    { name: METRIC.epochSeconds, step, value: input.seconds },
  ];
}

/** A NaN or infinite training loss ends the run with what to change, not with NaN metrics. */
export function assertLossFinite(loss: number, epoch: number, headLearningRate: number): void {
  if (!Number.isFinite(loss))
    throw new Error(
      `training diverged: the training loss is ${loss} in epoch ${epoch}; lower the learning rate (head ${headLearningRate})`,
    );
}
