import { LayerPlanError, planLayerFreeze, type LayerInfo } from "@tlab/core/layer-plan";
import { STRATEGY_LABELS, type StrategyConfig } from "@tlab/core/strategy";
import { formatInteger } from "@/lib/format";
import { layerStripSegments } from "@/lib/layer-strip-segments";
import { STRATEGY_COLORS } from "@/lib/strategy-style";

/**
 * The base model's layers left to right (input to output) for one strategy: frozen layers grey,
 * trainable ones in the strategy's colour, widths growing with parameter count, then the new head.
 * Computed by planLayerFreeze, the same planner the trainer uses, so what it shows is what trains.
 * A deep base model is drawn as runs of frozen and trainable layers (layerStripSegments).
 */
export function LayerStrip({
  layers,
  config,
}: {
  layers: readonly LayerInfo[];
  config: StrategyConfig;
}) {
  const label = STRATEGY_LABELS[config.kind];
  if (layers.length === 0) return <p className="hint">The base model lists no layers.</p>;
  let plan: ReturnType<typeof planLayerFreeze>;
  try {
    plan = planLayerFreeze(layers, config);
  } catch (error) {
    if (error instanceof LayerPlanError) return <p className="field-error">{error.message}</p>;
    throw error;
  }
  const total = plan.trainableBaseParams + plan.frozenParams;
  const color = STRATEGY_COLORS[config.kind];
  const share = total > 0 ? plan.trainableBaseParams / total : 0;
  const segments = layerStripSegments(plan.layers);
  return (
    <figure className="layer-strip">
      <ol className="strip" aria-label={`${label}: base layers, frozen or trainable`}>
        {segments.map((segment) => (
          <li
            key={segment.key}
            className={segment.trainable ? "strip-layer trainable" : "strip-layer frozen"}
            style={{ flexGrow: segment.weight, background: segment.trainable ? color : undefined }}
            title={`${segment.label}${segment.detail}`}
          >
            <span className="strip-name">{segment.label}</span>
            <span className="visually-hidden">{segment.detail}</span>
          </li>
        ))}
        <li
          className="strip-layer strip-head"
          style={{ flexGrow: 2, borderColor: color, color }}
          title="The new head: always trainable"
        >
          <span className="strip-name">head</span>
          <span className="visually-hidden"> (new): trainable</span>
        </li>
      </ol>
      <figcaption className="hint">
        {plan.trainableBaseParams === 0
          ? `Base frozen (${formatInteger(plan.frozenParams)} parameters); only the head trains.`
          : `${formatInteger(plan.trainableBaseParams)} of ${formatInteger(total)} base parameters train (${share > 0 && share < 0.005 ? "under 1%" : `${Math.round(share * 100)}%`}), plus the head.`}
      </figcaption>
    </figure>
  );
}
