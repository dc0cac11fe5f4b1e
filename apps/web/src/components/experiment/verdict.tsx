import { describeComparison, multipleComparisonsNote } from "@tlab/core/comparison-text";
import { STRATEGY_LABELS, type StrategyKind } from "@tlab/core/strategy";
import type { StrategyComparison } from "@tlab/core/strategy-comparisons";
import { formatDuration, formatInteger, formatPercent } from "@/lib/format";
import {
  listWords,
  rankByAccuracy,
  SMALL_TEST_SET,
  type StrategySummary,
} from "@/lib/strategy-summary";

function ratio(a: number | null, b: number | null): string | null {
  if (a === null || b === null || b <= 0) return null;
  const r = a / b;
  return r >= 10 ? `${Math.round(r)}×` : `${r.toFixed(1)}×`;
}

function pairOf(
  comparisons: readonly StrategyComparison[],
  x: StrategyKind,
  y: StrategyKind,
): StrategyComparison | undefined {
  // The verdict pools a sweep's cuts and a ladder's budgets, so only an unqualified test speaks for it.
  return comparisons.find(
    (c) =>
      c.trainPerClass === undefined &&
      c.cut === undefined &&
      ((c.a === x && c.b === y) || (c.a === y && c.b === x)),
  );
}

const tested = (c: StrategyComparison | undefined): c is StrategyComparison =>
  c !== undefined && c.pValue !== null;

const MAX_OPEN_COMPARISONS = 4;

/** Every pairwise test in words, with a note when several are read at once; one pair is said in the verdict itself. */
function ComparisonList({ comparisons }: { comparisons: readonly StrategyComparison[] }) {
  if (comparisons.length < 2) return null;
  const note = multipleComparisonsNote(comparisons.filter(tested).length);
  const list = (
    <ul aria-label="Pairwise comparisons">
      {comparisons.map((c) => (
        <li key={`${c.a}-${c.b}-${c.trainPerClass ?? ""}-${c.cut ?? ""}`}>
          {describeComparison(c)}.
        </li>
      ))}
    </ul>
  );
  // A sweep over a ladder tests every cut and budget: the list then opens on request.
  const many = comparisons.length > MAX_OPEN_COMPARISONS;
  return (
    <div className="verdict-tests">
      {many ? (
        <details>
          <summary>{comparisons.length} pairwise tests, by label budget and cut point</summary>
          {list}
        </details>
      ) : (
        list
      )}
      {note ? <p className="muted small">{note}</p> : null}
    </div>
  );
}

/**
 * The comparison in three sentences: which strategy wins (or which tie, when their means agree to
 * the precision shown), how sure we can be (do the seeds' ± 1 std intervals overlap?), and what it
 * costs against the cheapest strategy; with a tiny test set, a caveat that one image is a large step.
 * With the server's pairwise tests, "how sure" is the winner's test against the runner-up (interval
 * and p), and every pair is listed below.
 */
export function Verdict({
  summaries,
  live,
  testImages = null,
  comparisons = [],
}: {
  summaries: readonly StrategySummary[];
  live: boolean;
  testImages?: number | null;
  comparisons?: readonly StrategyComparison[];
}) {
  const ranking = rankByAccuracy(summaries);
  const finished = summaries.reduce((n, s) => n + s.succeeded, 0);
  const total = summaries.reduce((n, s) => n + s.runs, 0);
  if (!ranking) {
    return (
      <p className="verdict verdict-pending" aria-live="polite">
        {live
          ? `Training: ${finished} of ${total} runs finished. The verdict appears once two strategies have a result.`
          : "Fewer than two strategies have a result, so there is nothing to compare yet."}
      </p>
    );
  }
  const scored = summaries.filter((s) => s.accuracy.mean !== null);
  const label = (s: StrategySummary) => STRATEGY_LABELS[s.strategy];
  const caveat =
    testImages !== null && testImages > 0 && testImages < SMALL_TEST_SET
      ? ` Only ${testImages} test images per run: one image is ${(100 / testImages).toFixed(1)} points, so read small differences with care.`
      : "";
  const cheapest = [...scored].sort(
    (a, b) => (a.wallTimeMs.mean ?? Infinity) - (b.wallTimeMs.mean ?? Infinity),
  )[0]!;

  if (ranking.kind === "tie") {
    const { tied, next, marginPoints } = ranking;
    const fastestTied = [...tied].sort(
      (a, b) => (a.wallTimeMs.mean ?? Infinity) - (b.wallTimeMs.mean ?? Infinity),
    )[0]!;
    const below =
      next && marginPoints !== null
        ? `, ${marginPoints.toFixed(1)} points above ${label(next)} (${formatPercent(next.accuracy.mean)})`
        : "";
    const sure = tied.some((s) => s.accuracy.std === null)
      ? "With one seed per strategy there is no spread yet: launch a copy with more seeds to tell them apart."
      : `Over ${Math.min(...tied.map((s) => s.accuracy.n))} seeds their means agree to the precision shown.`;
    const cost =
      fastestTied.wallTimeMs.mean === null
        ? ""
        : ` ${label(fastestTied)} is the ${tied.length === 2 ? "faster" : "fastest"} of them to train (${formatDuration(fastestTied.wallTimeMs.mean)}).`;
    return (
      <>
        <p className="verdict" aria-live="polite">
          <strong>
            {live ? "So far, " : ""}
            {listWords(tied.map(label))} tie for most accurate
          </strong>{" "}
          at {formatPercent(tied[0]!.accuracy.mean)}
          {below}. {sure}
          {cost}
          {caveat}
        </p>
        <ComparisonList comparisons={comparisons} />
      </>
    );
  }

  const { winner, runnerUp, marginPoints } = ranking;
  const test = pairOf(comparisons, winner.strategy, runnerUp.strategy);
  const sure = (() => {
    if (tested(test)) return `${describeComparison(test)}.`;
    if (winner.accuracy.std === null || runnerUp.accuracy.std === null) {
      return "With one seed per strategy there is no spread yet: launch a copy with more seeds to know how sure this is.";
    }
    const separated =
      winner.accuracy.mean! - winner.accuracy.std > runnerUp.accuracy.mean! + runnerUp.accuracy.std;
    const n = Math.min(winner.accuracy.n, runnerUp.accuracy.n);
    return separated
      ? `Their ± 1 std intervals over ${n} seeds do not overlap: a clear margin.`
      : `Their ± 1 std intervals over ${n} seeds overlap: within seed noise, so more seeds would be needed to call it.`;
  })();
  const cost =
    cheapest.strategy === winner.strategy
      ? `It is also the fastest to train (${formatDuration(winner.wallTimeMs.mean)}).`
      : `It costs ${formatDuration(winner.wallTimeMs.mean)} of training${ratio(winner.wallTimeMs.mean, cheapest.wallTimeMs.mean) ? ` (${ratio(winner.wallTimeMs.mean, cheapest.wallTimeMs.mean)} ${STRATEGY_LABELS[cheapest.strategy]})` : ""} and trains ${formatInteger(winner.trainableParams)} parameters; ${STRATEGY_LABELS[cheapest.strategy]} reaches ${formatPercent(cheapest.accuracy.mean)} in ${formatDuration(cheapest.wallTimeMs.mean)}.`;
  return (
    <>
      <p className="verdict" aria-live="polite">
        <strong>
          {live ? "So far, " : ""}
          {label(winner)} is most accurate
        </strong>{" "}
        at {formatPercent(winner.accuracy.mean)}, {marginPoints.toFixed(1)} points above{" "}
        {label(runnerUp)} ({formatPercent(runnerUp.accuracy.mean)}). {sure} {cost}
        {caveat}
      </p>
      <ComparisonList comparisons={comparisons} />
    </>
  );
}
