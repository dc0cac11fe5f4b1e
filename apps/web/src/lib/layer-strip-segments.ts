import type { PlannedLayer } from "@tlab/core/layer-plan";
import { formatInteger } from "./format";

/** More layers than this and one box per layer no longer fits the launch summary's column. */
export const MAX_STRIP_LAYERS = 24;

/** One box of the layer strip: a single layer, or a run of consecutive layers that all freeze or all train. */
export interface StripSegment {
  /** Stable across renders: the first layer's name. */
  key: string;
  /** The layer's name, or "<n> layers" for a run. */
  label: string;
  /** What follows the label for a screen reader and in the tooltip: " (Conv2D, 2,416 parameters): frozen". */
  detail: string;
  trainable: boolean;
  layerCount: number;
  paramCount: number;
  /** Relative width: grows with the parameters the box holds, never below one layer's minimum. */
  weight: number;
}

/**
 * The boxes of a strip, input to output. Up to `maxLayers` layers each get their own box; a
 * deeper model (MobileNetV2 has 156) is summarised as runs of consecutive frozen or trainable
 * layers, so the strip keeps one box per change of state and still fits its column.
 */
export function layerStripSegments(
  layers: readonly PlannedLayer[],
  maxLayers = MAX_STRIP_LAYERS,
): StripSegment[] {
  const maxParams = Math.max(1, ...layers.map((l) => l.paramCount));
  const weightOf = (params: number) => 1 + 6 * Math.sqrt(params / maxParams);
  if (layers.length <= maxLayers) {
    return layers.map((l) => ({
      key: l.name,
      label: l.name,
      detail: ` (${l.className}, ${formatInteger(l.paramCount)} parameters): ${l.trainable ? "trainable" : "frozen"}`,
      trainable: l.trainable,
      layerCount: 1,
      paramCount: l.paramCount,
      weight: weightOf(l.paramCount),
    }));
  }
  const runs: PlannedLayer[][] = [];
  for (const layer of layers) {
    const last = runs[runs.length - 1];
    if (last && last[0]!.trainable === layer.trainable) last.push(layer);
    else runs.push([layer]);
  }
  const totalParams = Math.max(
    1,
    layers.reduce((sum, l) => sum + l.paramCount, 0),
  );
  return runs.map((run) => {
    const first = run[0]!;
    const last = run[run.length - 1]!;
    const params = run.reduce((sum, l) => sum + l.paramCount, 0);
    const state = first.trainable ? "trainable" : "frozen";
    return {
      key: first.name,
      label: run.length === 1 ? first.name : `${run.length} layers`,
      detail: ` (${run.length === 1 ? first.className : `${first.name} … ${last.name}`}, ${formatInteger(params)} parameters): ${state}`,
      trainable: first.trainable,
      layerCount: run.length,
      paramCount: params,
      // By share of the parameters, so a short trainable top still shows next to a long frozen base.
      weight: 1 + 12 * (params / totalParams),
    };
  });
}
