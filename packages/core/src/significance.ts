import { binomialHalfCdf, studentTQuantile, studentTTwoSidedP } from "./special-functions";

export interface PairedTResult {
  n: number;
  /** Mean of the differences b − a. */
  meanDifference: number;
  /** Null when n < 2: one difference has no spread to build an interval from. */
  ci95: [number, number] | null;
  pValue: number | null;
}

/**
 * Paired t-test on per-seed differences (b − a), two-sided, with the 95% interval
 * mean ± t(0.975, n − 1) · sd / √n.
 *
 * Zero variance (every difference equal): the standard error is 0, so the interval is the single
 * point [d, d] and t = d / 0. For d ≠ 0 that is ±∞ and p = 0 (the limit of p as the spread shrinks
 * to nothing); for d = 0 (every seed tied) there is no evidence of any difference and p = 1.
 */
export function pairedTTest(differences: readonly number[]): PairedTResult {
  const n = differences.length;
  if (n === 0) throw new RangeError("pairedTTest: no differences");
  const mean = differences.reduce((s, d) => s + d, 0) / n;
  if (n < 2) return { n, meanDifference: mean, ci95: null, pValue: null };
  const variance = differences.reduce((s, d) => s + (d - mean) ** 2, 0) / (n - 1);
  // Differences equal up to rounding (accuracies are ratios of counts) count as equal.
  const se = Math.sqrt(variance / n);
  if (se <= 1e-12 * Math.max(1, Math.abs(mean))) {
    const tied = Math.abs(mean) <= 1e-12;
    return {
      n,
      meanDifference: tied ? 0 : mean,
      ci95: tied ? [0, 0] : [mean, mean],
      pValue: tied ? 1 : 0,
    };
  }
  const df = n - 1;
  const half = studentTQuantile(0.975, df) * se;
  return {
    n,
    meanDifference: mean,
    ci95: [mean - half, mean + half],
    pValue: studentTTwoSidedP(mean / se, df),
  };
}

export interface McNemarResult {
  /** Images both were scored on. */
  n: number;
  /** a right, b wrong ("broken by b"). */
  brokenByB: number;
  /** a wrong, b right ("fixed by b"). */
  fixedByB: number;
  /** accuracy(b) − accuracy(a) = (fixed − broken) / n, exactly. */
  meanDifference: number;
  ci95: [number, number];
  pValue: number;
}

const Z975 = 1.959963984540054;

/**
 * McNemar's exact test: under "no difference" each disagreement is equally likely to go either
 * way, so the smaller of (fixed, broken) is Binomial(fixed + broken, 1/2); the two-sided p is
 * twice its lower tail, at most 1. No disagreements, or as many fixed as broken, give p = 1.
 *
 * The 95% interval of the accuracy difference is Agresti and Min's (2005) adjusted Wald interval
 * for paired proportions: half an image is added to each of the four agree/disagree cells before
 * the Wald formula. Unlike the plain Wald interval it does not collapse to [0, 0] when the two
 * never disagree, and its coverage stays near 95% for small counts. Clipped to [−1, 1].
 */
export function mcnemarExact(
  labels: ArrayLike<number>,
  predictedA: ArrayLike<number>,
  predictedB: ArrayLike<number>,
): McNemarResult {
  const n = labels.length;
  if (predictedA.length !== n || predictedB.length !== n) {
    throw new RangeError(
      `mcnemarExact: ${n} labels but ${predictedA.length} and ${predictedB.length} predictions`,
    );
  }
  if (n === 0) throw new RangeError("mcnemarExact: no images");
  let bothRight = 0;
  let bothWrong = 0;
  let brokenByB = 0;
  let fixedByB = 0;
  for (let i = 0; i < n; i++) {
    const aRight = predictedA[i] === labels[i];
    const bRight = predictedB[i] === labels[i];
    if (aRight && bRight) bothRight++;
    else if (aRight) brokenByB++;
    else if (bRight) fixedByB++;
    else bothWrong++;
  }
  const discordant = brokenByB + fixedByB;
  // When the counts differ by at most one the two tails cover every outcome: p is exactly 1.
  const pValue =
    Math.abs(fixedByB - brokenByB) <= 1
      ? 1
      : Math.min(1, 2 * binomialHalfCdf(Math.min(brokenByB, fixedByB), discordant));
  const total = bothRight + bothWrong + discordant + 2;
  const fixed = fixedByB + 0.5;
  const broken = brokenByB + 0.5;
  const centre = (fixed - broken) / total;
  const se = Math.sqrt(fixed + broken - (fixed - broken) ** 2 / total) / total;
  return {
    n,
    brokenByB,
    fixedByB,
    meanDifference: (fixedByB - brokenByB) / n,
    ci95: [Math.max(-1, centre - Z975 * se), Math.min(1, centre + Z975 * se)],
    pValue,
  };
}
