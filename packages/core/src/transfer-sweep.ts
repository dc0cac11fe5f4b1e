import { z } from "zod";
import { boundedNumber } from "./field-limits";
import { LayerPlanError, planLayerFreeze, type LayerInfo } from "./layer-plan";
import type { CutPoint, StrategyConfig, StrategyKind } from "./strategy";

/**
 * Transfer curves from one launch: a cut sweep (one partial run per cut point of the base) and a
 * label-budget ladder (the whole set of runs for each train-per-class value).
 */

/** Bounds of one train-per-class value, shared by the single value and each rung of a ladder. */
export const TRAIN_PER_CLASS_LIMITS = { min: 2, max: 10_000, int: true } as const;
export const trainPerClassValue = () => boundedNumber(TRAIN_PER_CLASS_LIMITS);

export const MAX_LADDER_RUNGS = 6;
export const MAX_SWEEP_LAYERS = 64;
/** Most runs one launch may queue; a sweep over a deep base with many seeds and budgets is refused past it. */
export const MAX_RUNS_PER_LAUNCH = 240;

/** Several train-per-class values, each a full set of runs; order does not matter, runs go smallest first. */
export const TrainPerClassLadder = z
  .array(trainPerClassValue(), { error: "must be a list of whole numbers" })
  .min(2, "a ladder needs at least 2 values (a single value is trainPerClass)")
  .max(MAX_LADDER_RUNGS, `at most ${MAX_LADDER_RUNGS} values`)
  .refine((list) => new Set(list).size === list.length, "each value can appear only once");
export type TrainPerClassLadder = z.infer<typeof TrainPerClassLadder>;

const sweepLayerName = z
  .string()
  .trim()
  .min(1, "layer names cannot be empty")
  .max(200, "layer names are at most 200 characters");

/**
 * `all`: every cut point of the base the layer plan allows (see sweepCutLayers); otherwise these
 * layers of the base, each the last frozen layer of one partial run.
 */
export const CutSweep = z.union(
  [
    z.literal("all"),
    z
      .array(sweepLayerName)
      .min(1, "name at least one layer")
      .max(MAX_SWEEP_LAYERS, `at most ${MAX_SWEEP_LAYERS} layers`)
      .refine((list) => new Set(list).size === list.length, "each layer can appear only once"),
  ],
  { error: 'must be "all" or a list of layer names of the base model' },
);
export type CutSweep = z.infer<typeof CutSweep>;

export class SweepPlanError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = "SweepPlanError";
  }
}

/**
 * The cut layers of a sweep, bottom to top. A cut at a layer freezes it and everything below; a
 * distinct partial plan needs a layer with weights at or below the cut (else it is full) and one
 * above it (else it is frozen), and cutting at a weightless layer gives the plan of the weighted
 * layer under it. So `all` is every weighted layer but the top one: one run per distinct plan.
 * Named layers must be layers of the base and leave something to train and something frozen.
 */
export function sweepCutLayers(layers: readonly LayerInfo[], sweep: CutSweep): string[] {
  const weighted = layers.flatMap((l, i) => (l.paramCount > 0 ? [i] : []));
  if (sweep === "all") {
    const cuts = weighted.slice(0, -1).map((i) => layers[i]!.name);
    if (cuts.length === 0)
      throw new SweepPlanError(
        "cutSweep",
        `the base model has ${weighted.length} layer(s) with weights; a cut sweep needs at least 2`,
      );
    return cuts;
  }
  const firstWeighted = weighted[0] ?? Number.POSITIVE_INFINITY;
  const lastWeighted = weighted[weighted.length - 1] ?? -1;
  const indexed = sweep.map((name) => {
    const index = layers.findIndex((l) => l.name === name);
    if (index < 0)
      throw new SweepPlanError(
        "cutSweep",
        `"${name}" is not a layer of the base model; layers are: ${layers.map((l) => l.name).join(", ")}`,
      );
    if (index < firstWeighted)
      throw new SweepPlanError(
        "cutSweep",
        `"${name}" freezes no layer with weights (the same as full fine-tune); cut at ${layers[firstWeighted]?.name ?? "a weighted layer"} or above`,
      );
    if (index >= lastWeighted)
      throw new SweepPlanError(
        "cutSweep",
        `"${name}" leaves no layer with weights to train (the same as frozen); cut below ${layers[lastWeighted]?.name ?? "the top"}`,
      );
    return { name, index };
  });
  return indexed.sort((a, b) => a.index - b.index).map((c) => c.name);
}

/** Weighted base layers a strategy trains: the x axis of the cut-depth curve (0 = frozen). */
export function trainedBaseLayers(layers: readonly LayerInfo[], strategy: StrategyConfig): number {
  return planLayerFreeze(layers, strategy).layers.filter((l) => l.trainable && l.paramCount > 0)
    .length;
}

export interface PlannedRun {
  strategy: StrategyConfig;
  seed: number;
  trainPerClass: number;
  trainedBaseLayers: number;
}

export interface SweepPlanInput {
  strategies: StrategyConfig[];
  seeds: number;
  trainPerClass: number;
  trainPerClassLadder?: number[] | undefined;
  cutSweep?: CutSweep | undefined;
}

/** The train-per-class values of an experiment, smallest first. */
export function trainPerClassBudgets(input: {
  trainPerClass: number;
  trainPerClassLadder?: readonly number[] | null | undefined;
}): number[] {
  return [...(input.trainPerClassLadder ?? [input.trainPerClass])].sort((a, b) => a - b);
}

const KIND_ORDER: Record<StrategyKind, number> = { frozen: 0, partial: 1, full: 2 };

/**
 * The runs of a launch: for each budget × seed, the asked strategies in the order frozen, partial,
 * full; with a cut sweep the partial strategy becomes one run per cut layer (its other settings
 * kept). Seeds are 1..N in every budget, and the trainer's split gives seed i the same test set
 * in every budget and nested labelled sets (the 10-per-class pool is the first 10 of the
 * 30-per-class pool), so runs differ only in what is compared. Refuses a plan over
 * MAX_RUNS_PER_LAUNCH, naming the field that multiplies it.
 */
export function planExperimentRuns(
  input: SweepPlanInput,
  layers: readonly LayerInfo[],
): PlannedRun[] {
  const budgets = trainPerClassBudgets(input);
  const settings: StrategyConfig[] = [...input.strategies]
    .sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind])
    .flatMap((strategy) => {
      if (strategy.kind !== "partial" || !input.cutSweep) return [strategy];
      return sweepCutLayers(layers, input.cutSweep).map((layer) => ({
        ...strategy,
        cut: { by: "layer", layer } satisfies CutPoint,
      }));
    });
  const total = budgets.length * input.seeds * settings.length;
  if (total > MAX_RUNS_PER_LAUNCH) {
    const field = input.cutSweep
      ? "cutSweep"
      : input.trainPerClassLadder
        ? "trainPerClassLadder"
        : "seeds";
    throw new SweepPlanError(
      field,
      `this launch would create ${total} runs (${budgets.length} budget(s) × ${input.seeds} seed(s) × ${settings.length} strategy setting(s)); at most ${MAX_RUNS_PER_LAUNCH} per launch: sweep fewer cut layers, budgets or seeds`,
    );
  }
  const depth = new Map<StrategyConfig, number>();
  for (const strategy of settings) {
    try {
      depth.set(strategy, trainedBaseLayers(layers, strategy));
    } catch (error) {
      if (error instanceof LayerPlanError)
        throw new SweepPlanError(`strategies.${strategy.kind}.cut`, error.message);
      throw error;
    }
  }
  return budgets.flatMap((trainPerClass) =>
    Array.from({ length: input.seeds }, (_, i) => i + 1).flatMap((seed) =>
      settings.map((strategy) => ({
        strategy,
        seed,
        trainPerClass,
        trainedBaseLayers: depth.get(strategy)!,
      })),
    ),
  );
}
