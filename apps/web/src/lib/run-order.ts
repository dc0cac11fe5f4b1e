import { STRATEGY_KINDS, type StrategyKind } from "@tlab/core/strategy";

/** Runs in the order the dashboard lists strategies (frozen, partial, full), then by seed. */
export function byStrategyThenSeed<T extends { strategy: StrategyKind; seed: number }>(
  a: T,
  b: T,
): number {
  return STRATEGY_KINDS.indexOf(a.strategy) - STRATEGY_KINDS.indexOf(b.strategy) || a.seed - b.seed;
}
