import { STRATEGY_LABELS, type StrategyKind } from "@tlab/core/strategy";

/** One colour per strategy everywhere (charts, badges, legends); seeds differ by dash pattern. */
export const STRATEGY_COLORS: Record<StrategyKind, string> = {
  frozen: "#2563eb",
  partial: "#d97706",
  full: "#059669",
};

const SEED_DASHES: number[][] = [[], [8, 4], [2, 3], [12, 4, 2, 4], [4, 4]];

export function seedDash(seed: number): number[] {
  return SEED_DASHES[(seed - 1) % SEED_DASHES.length] ?? [];
}

/** "Partial fine-tune", or "Partial fine-tune · seed 2" when the experiment repeats seeds. */
export function runLabel(strategy: StrategyKind, seed: number, seeds: number): string {
  return seeds > 1 ? `${STRATEGY_LABELS[strategy]} · seed ${seed}` : STRATEGY_LABELS[strategy];
}
