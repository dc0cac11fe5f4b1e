import type { BatchNormMode } from "@tlab/core/experiment";
import type { tf } from "../tf/backend";

type LayerCall = (
  inputs: tf.Tensor | tf.Tensor[],
  kwargs: Record<string, unknown>,
) => tf.Tensor | tf.Tensor[];

/**
 * With `frozen`, makes every BatchNormalization layer among `layers` run in inference mode even
 * when the training loop calls the model with `training: true`: it normalises with its moving mean
 * and variance and never updates them, while gamma and beta stay trainable (Keras's
 * fine-tuning practice; tfjs-layers has no per-layer switch for it, so the layer's `call` is
 * wrapped on the instance). Other layers (dropout in a base, say) still see `training`. Returns
 * the function that removes the wrapping; `updated` changes nothing.
 */
export function applyBatchNormMode(
  layers: readonly tf.layers.Layer[],
  mode: BatchNormMode,
): () => void {
  if (mode === "updated") return () => {};
  const wrapped: tf.layers.Layer[] = [];
  for (const layer of layers) {
    if (layer.getClassName() !== "BatchNormalization") continue;
    const own = layer as unknown as { call: LayerCall };
    const original = own.call.bind(layer);
    own.call = (inputs, kwargs) => original(inputs, { ...kwargs, training: false });
    wrapped.push(layer);
  }
  return () => {
    // The prototype's call shows through again.
    for (const layer of wrapped) delete (layer as unknown as { call?: LayerCall }).call;
  };
}

export function countBatchNormLayers(layers: readonly tf.layers.Layer[]): number {
  return layers.filter((layer) => layer.getClassName() === "BatchNormalization").length;
}
