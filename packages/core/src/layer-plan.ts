import type { CutPoint, StrategyConfig } from "./strategy";

/** One layer of a base model as recorded at import: what the freeze planner needs. */
export interface LayerInfo {
  name: string;
  className: string;
  paramCount: number;
}

export interface PlannedLayer extends LayerInfo {
  trainable: boolean;
}

export interface LayerPlan {
  layers: PlannedLayer[];
  /** Name of the last frozen layer; features are taken at its output. Null when nothing is frozen. */
  frozenThrough: string | null;
  trainableBaseParams: number;
  frozenParams: number;
}

export class LayerPlanError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LayerPlanError";
  }
}

/**
 * Decides which base layers train for a strategy, by layer name. The head is always new and
 * always trains; it is not part of the base's layer list.
 *
 * - frozen: no base layer trains.
 * - partial: layers after the cut train; the cut is a named layer (it and everything below stay
 *   frozen) or the top K layers that have weights.
 * - full: every base layer trains.
 */
export function planLayerFreeze(layers: readonly LayerInfo[], strategy: StrategyConfig): LayerPlan {
  let firstTrainable: number;
  switch (strategy.kind) {
    case "frozen":
      firstTrainable = layers.length;
      break;
    case "full":
      firstTrainable = 0;
      break;
    case "partial":
      firstTrainable = firstTrainableForCut(layers, strategy.cut);
      break;
  }
  const planned = layers.map((layer, i) => ({ ...layer, trainable: i >= firstTrainable }));
  const frozen = planned.filter((l) => !l.trainable);
  return {
    layers: planned,
    frozenThrough: frozen.length > 0 ? frozen[frozen.length - 1]!.name : null,
    trainableBaseParams: sum(planned.filter((l) => l.trainable).map((l) => l.paramCount)),
    frozenParams: sum(frozen.map((l) => l.paramCount)),
  };
}

function firstTrainableForCut(layers: readonly LayerInfo[], cut: CutPoint): number {
  if (cut.by === "layer") {
    const index = layers.findIndex((l) => l.name === cut.layer);
    if (index < 0) {
      const names = layers.map((l) => l.name).join(", ");
      throw new LayerPlanError(
        `cut layer "${cut.layer}" is not a layer of the base model; layers are: ${names}`,
      );
    }
    return index + 1;
  }
  const weighted = layers.flatMap((l, i) => (l.paramCount > 0 ? [i] : []));
  if (cut.k > weighted.length) {
    throw new LayerPlanError(
      `top K = ${cut.k} but the base model has only ${weighted.length} layers with weights`,
    );
  }
  // The K-th weighted layer from the top is the lowest one that trains.
  return weighted[weighted.length - cut.k]!;
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
