import { STRATEGY_LABELS, type StrategyKind } from "@tlab/core/strategy";
import { STRATEGY_COLORS } from "@/lib/strategy-style";

/** The strategy's label with its chart colour as a swatch, so tables and charts read together. */
export function StrategyName({ strategy }: { strategy: StrategyKind }) {
  return (
    <span className="strategy-name">
      <span className="swatch" style={{ background: STRATEGY_COLORS[strategy] }} aria-hidden="true" />
      {STRATEGY_LABELS[strategy]}
    </span>
  );
}
