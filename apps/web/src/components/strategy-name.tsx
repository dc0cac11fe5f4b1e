import { STRATEGY_LABELS, type StrategyKind } from "@tlab/core/strategy";
import { STRATEGY_COLORS } from "@/lib/strategy-style";

/** The strategy's label with its chart colour as a swatch, so tables and charts read together. */
export function StrategyName({
  strategy,
  short = false,
}: {
  strategy: StrategyKind;
  short?: boolean;
}) {
  return (
    <span className="strategy-name" title={short ? STRATEGY_LABELS[strategy] : undefined}>
      <span
        className="swatch"
        style={{ background: STRATEGY_COLORS[strategy] }}
        aria-hidden="true"
      />
      {short ? STRATEGY_SHORT_LABELS[strategy] : STRATEGY_LABELS[strategy]}
    </span>
  );
}

/** For narrow table columns; the full label is the cell's tooltip. */
export const STRATEGY_SHORT_LABELS: Record<StrategyKind, string> = {
  frozen: "Frozen",
  partial: "Partial FT",
  full: "Full FT",
};
