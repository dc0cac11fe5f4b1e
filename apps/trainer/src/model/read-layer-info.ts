import type { LayerInfo } from "@tlab/core/layer-plan";
import type { tf } from "../tf/backend";

/**
 * The layers of a model as the freeze planner and the layer table see them, bottom to top. Input
 * layers are left out: they hold no weights and cannot be trained or cut at.
 */
export function readLayerInfo(model: tf.LayersModel): LayerInfo[] {
  return model.layers
    .filter((layer) => layer.getClassName() !== "InputLayer")
    .map((layer) => ({
      name: layer.name,
      className: layer.getClassName(),
      paramCount: layer.countParams(),
    }));
}
