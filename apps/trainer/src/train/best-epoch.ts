import { tf } from "../tf/backend";
import { assignVariables, type TrainingCheckpoint } from "./training-checkpoint";

export interface EpochScore {
  epoch: number;
  accuracy: number;
  loss: number;
}

/**
 * Keeps the weights of the epoch with the best validation accuracy (Keras's
 * `restore_best_weights`), and the last epoch that raised it, which early stopping reads.
 *
 * Ties on accuracy go to the lower validation loss; otherwise later epochs must be strictly
 * better, so the earliest of equally good epochs wins. Accuracy gains alone count for early
 * stopping: an epoch that only ties the best accuracy (however much lower its loss) is no gain.
 */
export class BestEpoch {
  score: EpochScore = { epoch: 0, accuracy: -1, loss: Number.POSITIVE_INFINITY };
  lastAccuracyGain = { epoch: 0, accuracy: -1 };
  private snapshot: WeightSnapshot | undefined;

  constructor(private readonly variables: tf.Variable[]) {}

  /** Takes over a checkpoint's bookkeeping and best weights (the caller then assigns its current ones). */
  resume(checkpoint: TrainingCheckpoint): void {
    if (checkpoint.best) {
      assignVariables(this.variables, checkpoint.best);
      this.snapshot = new WeightSnapshot(this.variables);
    }
    this.score = checkpoint.bestScore;
    this.lastAccuracyGain = checkpoint.lastAccuracyGain;
  }

  /** After an epoch: `validation` undefined means there is nothing to select on, so the last epoch is the result. */
  observe(epoch: number, validation: { accuracy: number; loss: number } | undefined): void {
    if (!validation) {
      this.score = { epoch, accuracy: 0, loss: 0 };
      return;
    }
    const { accuracy, loss } = validation;
    if (
      accuracy > this.score.accuracy ||
      (accuracy === this.score.accuracy && loss < this.score.loss)
    ) {
      this.score = { epoch, accuracy, loss };
      this.snapshot?.dispose();
      this.snapshot = new WeightSnapshot(this.variables);
    }
    if (accuracy > this.lastAccuracyGain.accuracy) this.lastAccuracyGain = { epoch, accuracy };
  }

  /** Puts the best epoch's weights back unless the last epoch trained is the best. */
  restoreUnlessLast(lastEpoch: number): void {
    if (this.snapshot !== undefined && this.score.epoch !== lastEpoch) this.snapshot.restore();
  }

  bestValues(): Float32Array[] | null {
    return this.snapshot ? this.snapshot.values() : null;
  }

  dispose(): void {
    this.snapshot?.dispose();
    this.snapshot = undefined;
  }
}

/**
 * Stops training after `patience` epochs without a better validation accuracy (0: never). Counts
 * only in the last phase: a plateau during a head-only warmup must not end the run before the base
 * is unfrozen.
 */
export function shouldStopEarly(input: {
  patience: number;
  epoch: number;
  epochs: number;
  lastAccuracyGainEpoch: number;
  /** First epoch of the current phase. */
  phaseStart: number;
  lastPhase: boolean;
  hasValidation: boolean;
}): boolean {
  const { patience, epoch, epochs, lastPhase, hasValidation } = input;
  if (!hasValidation || patience <= 0 || !lastPhase || epoch >= epochs) return false;
  const stalledSince = Math.max(input.lastAccuracyGainEpoch, input.phaseStart - 1);
  return epoch - stalledSince >= patience;
}

/** Copies of variable values, to put back the best epoch's weights at the end. */
class WeightSnapshot {
  private readonly saved: Array<[tf.Variable, tf.Tensor]>;

  constructor(variables: tf.Variable[]) {
    this.saved = variables.map((variable) => [variable, tf.clone(variable)]);
  }

  restore(): void {
    for (const [variable, value] of this.saved) variable.assign(value);
  }

  values(): Float32Array[] {
    return this.saved.map(([, value]) => Float32Array.from(value.dataSync() as Float32Array));
  }

  dispose(): void {
    for (const [, value] of this.saved) value.dispose();
  }
}
