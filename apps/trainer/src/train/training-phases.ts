import type { StrategyConfig } from "@tlab/core/strategy";
import { ScheduledAdam } from "./lr-schedule";

/** One stretch of epochs with a fixed set of trainable weights; each gets fresh optimizers. */
export interface Phase {
  epochs: number;
  /** Whether the base's trainable layers update (false: the head alone, e.g. during warmup). */
  trainBase: boolean;
}

export function phasesFor(strategy: StrategyConfig, epochs: number): Phase[] {
  switch (strategy.kind) {
    case "frozen":
      return [{ epochs, trainBase: false }];
    case "full":
      return [{ epochs, trainBase: true }];
    case "partial": {
      // Warmup counts inside the epoch budget: a head-only start so the fresh head's large early
      // gradients do not wreck the pretrained filters it sits on.
      const warmup = Math.min(strategy.warmupEpochs, epochs);
      return [
        { epochs: warmup, trainBase: false },
        { epochs: epochs - warmup, trainBase: true },
      ].filter((phase) => phase.epochs > 0);
    }
  }
}

export interface Optimizers {
  head: ScheduledAdam;
  base: ScheduledAdam | null;
}

/**
 * Fresh optimizers per phase: Adam keeps its moment estimates per variable, and a phase that
 * changes which variables train must not inherit moments from the previous one. Two optimizers
 * give the base its own, lower learning rate.
 */
export function createOptimizers(strategy: StrategyConfig, phase: Phase): Optimizers {
  const head = new ScheduledAdam(strategy.learningRate);
  const base =
    phase.trainBase && strategy.kind !== "frozen"
      ? new ScheduledAdam(strategy.baseLearningRate)
      : null;
  return { head, base };
}

export function disposeOptimizers(optimizers: Optimizers): void {
  optimizers.head.dispose();
  optimizers.base?.dispose();
}
