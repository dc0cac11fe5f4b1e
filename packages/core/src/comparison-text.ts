import type { StrategyKind } from "./strategy";
import type { StrategyComparison } from "./strategy-comparisons";

const SUBJECT: Record<StrategyKind, string> = {
  frozen: "The frozen extractor",
  partial: "Partial fine-tune",
  full: "Full fine-tune",
};
const OBJECT: Record<StrategyKind, string> = {
  frozen: "the frozen extractor",
  partial: "partial fine-tune",
  full: "full fine-tune",
};

const points = (x: number) => (x * 100).toFixed(1).replace(/^-(0\.0)$/, "$1");

export function formatPValue(p: number): string {
  if (p < 0.001) return "p < 0.001";
  return `p = ${p < 0.01 ? p.toFixed(3) : p.toFixed(2)}`;
}

function evidence(c: StrategyComparison): string {
  return c.method === "paired-t" ? `${c.n} seeds` : `1 seed, ${c.n} test images (McNemar)`;
}

/**
 * One comparison in words: "Partial fine-tune beats the frozen extractor by 2.1 points, 95% CI 0.8
 * to 3.4, p = 0.01, 3 seeds"; "no detectable difference" when the interval includes 0. The interval
 * is turned to the winner's side, so both its ends read as points in the winner's favour.
 */
export function describeComparison(c: StrategyComparison): string {
  const context = [
    c.trainPerClass !== undefined ? `${c.trainPerClass} labels a class` : null,
    c.cut !== undefined ? `partial ${c.cut}` : null,
  ].filter((part) => part !== null);
  const sentence = describePair(c);
  return context.length > 0 ? `${context.join(", ")}: ${sentence}` : sentence;
}

function describePair(c: StrategyComparison): string {
  if (c.meanDifference === null || c.ci95 === null || c.pValue === null) {
    return `${SUBJECT[c.b]} vs ${OBJECT[c.a]}: not tested (${c.note ?? "not enough runs"})`;
  }
  const [lo, hi] = c.ci95;
  const tail = `, ${formatPValue(c.pValue)}, ${evidence(c)}`;
  if (lo <= 0 && hi >= 0) {
    return `No detectable difference between ${OBJECT[c.b]} and ${OBJECT[c.a]}: ${points(c.meanDifference)} points, 95% CI ${points(lo)} to ${points(hi)}${tail}`;
  }
  const bWins = c.meanDifference > 0;
  const [winner, loser] = bWins ? [c.b, c.a] : [c.a, c.b];
  const [from, to] = bWins ? [lo, hi] : [-hi, -lo];
  return `${SUBJECT[winner]} beats ${OBJECT[loser]} by ${points(Math.abs(c.meanDifference))} points, 95% CI ${points(from)} to ${points(to)}${tail}`;
}

/** Said when several pairs are tested at once: each p alone overstates how surprising the set is. */
export function multipleComparisonsNote(tested: number): string | null {
  if (tested < 2) return null;
  const familyWise = (1 - 0.95 ** tested) * 100;
  return `${tested} pairs are compared at once: with each at p < 0.05, the chance that at least one looks different by luck alone is up to ${familyWise.toFixed(0)}%; to claim all of them together, require p < ${(0.05 / tested).toFixed(3)} (Bonferroni).`;
}
