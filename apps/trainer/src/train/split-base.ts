import type { LayerPlan } from "@tlab/core/layer-plan";
import { InferencePlan } from "../model/inference-plan";
import { readLayerInfo } from "../model/read-layer-info";
import { tf } from "../tf/backend";

export class TrainingSpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TrainingSpecError";
  }
}

/**
 * A base model cut where its layer plan says: a frozen part below, run once per data split in
 * inference mode to produce cached features, and a trainable part above, run on those features in
 * every training step. Both share the base's layers (and weights); only the frozen part's
 * inference plan holds weights of its own (its folded kernels, freed by release).
 */
export interface BaseSplit {
  /** Images → features at the cut; null when nothing is frozen (the features are the images). */
  frozenPart: FrozenPart | null;
  /** Features → base output; null when the whole base is frozen. */
  trainablePart: tf.LayersModel | null;
  /** Base layers that train, bottom to top. */
  trainableLayers: tf.layers.Layer[];
  /**
   * Undoes what the split added to the base: calling the layers above the cut on a new input
   * raised their reference counts, and without this the caller's base.dispose() would leave
   * their weights allocated; and frees the frozen part's inference plan. Never disposes a weight
   * of the base.
   */
  release: () => void;
}

/**
 * The layers below the cut. They never train, so they run through an InferencePlan (BatchNorm
 * folded, activations fused): compiled on first use, at most once per run, and not at all when
 * every split's features come from the disk cache. Its folded weights are a snapshot, which is
 * right because no weight below the cut changes during a run.
 */
export interface FrozenPart {
  /** The frozen layers as a model sharing the base's layers; never dispose it (that disposes them). */
  model: tf.LayersModel;
  /** The compiled plan (compiled now if it was not yet). */
  plan(): InferencePlan;
  /** Images → features at the cut, in inference mode; the caller disposes the result. */
  predict(images: tf.Tensor): tf.Tensor;
}

export function splitBase(base: tf.LayersModel, plan: LayerPlan): BaseSplit {
  assertPlanMatchesModel(base, plan);
  const byName = new Map(base.layers.map((layer) => [layer.name, layer]));
  const trainableLayers = plan.layers.filter((l) => l.trainable).map((l) => byName.get(l.name)!);
  const nothingToRelease = () => {};
  if (plan.frozenThrough === null)
    return { frozenPart: null, trainablePart: base, trainableLayers, release: nothingToRelease };
  if (trainableLayers.length === 0) {
    const frozen = frozenPartOf(base);
    return {
      frozenPart: frozen.part,
      trainablePart: null,
      trainableLayers,
      release: frozen.release,
    };
  }

  const { cut, above } = chainAbove(base, plan.frozenThrough);
  const aboveNames = above.map((layer) => layer.name);
  const plannedNames = trainableLayers.map((layer) => layer.name);
  if (aboveNames.join() !== plannedNames.join()) {
    throw new TrainingSpecError(
      `cannot cut the base after "${plan.frozenThrough}": the layers on the path from it to the output are ` +
        `[${aboveNames.join(", ")}] but the plan trains [${plannedNames.join(", ")}]`,
    );
  }
  // Building a model from existing tensors does not touch layer reference counts, so the frozen
  // model needs no release (and must never be disposed: that would dispose the base's own layers).
  const frozen = frozenPartOf(
    tf.model({ name: `${base.name}_frozen`, inputs: base.inputs, outputs: cut }),
  );
  const featureShape = cut.shape.slice(1);
  if (featureShape.some((d) => d === null)) {
    throw new TrainingSpecError(
      `features at "${plan.frozenThrough}" have an unknown size [${featureShape.join(", ")}]`,
    );
  }
  const input = tf.input({
    shape: featureShape as number[],
    name: `${plan.frozenThrough}_features`,
  });
  let x = input;
  for (const layer of above) x = layer.apply(x) as tf.SymbolicTensor;
  const trainablePart = tf.model({ name: `${base.name}_trainable`, inputs: input, outputs: x });
  // The new container holds the only extra reference to each layer above the cut; disposing it
  // drops exactly those (the base still holds its own, so no weight is freed).
  const release = () => {
    frozen.release();
    trainablePart.dispose();
  };
  return { frozenPart: frozen.part, trainablePart, trainableLayers, release };
}

function frozenPartOf(model: tf.LayersModel): { part: FrozenPart; release: () => void } {
  let compiled: InferencePlan | undefined;
  const plan = () => (compiled ??= InferencePlan.compile(model));
  return {
    part: { model, plan, predict: (images) => plan().predict(images) },
    release: () => {
      compiled?.dispose();
      compiled = undefined;
    },
  };
}

/**
 * Walks back from the base's output to the output of layer `cutName`, collecting the layers passed
 * on the way. Only a chain (each layer fed by exactly one tensor) can be re-run from cached
 * features this way; a branch or merge above the cut is reported rather than silently mis-cut.
 */
function chainAbove(
  base: tf.LayersModel,
  cutName: string,
): { cut: tf.SymbolicTensor; above: tf.layers.Layer[] } {
  if (base.outputs.length !== 1)
    throw new TrainingSpecError(
      `the base model must have one output, it has ${base.outputs.length}`,
    );
  const above: tf.layers.Layer[] = [];
  let tensor = base.outputs[0]!;
  while (tensor.sourceLayer.name !== cutName) {
    above.unshift(tensor.sourceLayer as tf.layers.Layer);
    if (tensor.inputs.length !== 1) {
      throw new TrainingSpecError(
        `partial fine-tuning needs a chain of layers above the cut "${cutName}", but layer "${tensor.sourceLayer.name}" ` +
          `has ${tensor.inputs.length} inputs; cut at or above it`,
      );
    }
    tensor = tensor.inputs[0]!;
  }
  return { cut: tensor, above };
}

/** The plan was made from the layer list recorded for the base; it must describe this model. */
function assertPlanMatchesModel(base: tf.LayersModel, plan: LayerPlan): void {
  const actual = readLayerInfo(base).map((l) => l.name);
  const planned = plan.layers.map((l) => l.name);
  if (actual.join() !== planned.join()) {
    throw new TrainingSpecError(
      `spec.baseModel.layers [${planned.join(", ")}] do not match the loaded base model's layers [${actual.join(", ")}]`,
    );
  }
}
