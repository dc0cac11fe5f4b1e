import { STRATEGY_LABELS } from "@tlab/core/strategy";
import { formatDuration, formatInteger, formatPercent } from "@/lib/format";
import type { StrategySummary } from "@/lib/strategy-summary";

function ratio(a: number | null, b: number | null): string | null {
  if (a === null || b === null || b <= 0) return null;
  const r = a / b;
  return r >= 10 ? `${Math.round(r)}×` : `${r.toFixed(1)}×`;
}

/**
 * The comparison in three sentences: which strategy wins, how sure we can be (do the seeds'
 * ± 1 std intervals overlap?), and what it costs against the cheapest strategy.
 */
export function Verdict({ summaries, live }: { summaries: readonly StrategySummary[]; live: boolean }) {
  const scored = summaries.filter((s) => s.accuracy.mean !== null).sort((a, b) => b.accuracy.mean! - a.accuracy.mean!);
  const finished = summaries.reduce((n, s) => n + s.succeeded, 0);
  const total = summaries.reduce((n, s) => n + s.runs, 0);
  if (scored.length < 2) {
    return (
      <p className="verdict verdict-pending" aria-live="polite">
        {live
          ? `Training: ${finished} of ${total} runs finished. The verdict appears once two strategies have a result.`
          : "Fewer than two strategies have a result, so there is nothing to compare yet."}
      </p>
    );
  }
  const [winner, runnerUp] = scored as [StrategySummary, StrategySummary];
  const margin = (winner.accuracy.mean! - runnerUp.accuracy.mean!) * 100;
  const sure = (() => {
    if (winner.accuracy.std === null || runnerUp.accuracy.std === null) {
      return "With one seed per strategy there is no spread yet: launch a copy with more seeds to know how sure this is.";
    }
    const separated = winner.accuracy.mean! - winner.accuracy.std > runnerUp.accuracy.mean! + runnerUp.accuracy.std;
    const n = Math.min(winner.accuracy.n, runnerUp.accuracy.n);
    return separated
      ? `Their ± 1 std intervals over ${n} seeds do not overlap: a clear margin.`
      : `Their ± 1 std intervals over ${n} seeds overlap: within seed noise, so more seeds would be needed to call it.`;
  })();
  const cheapest = [...scored].sort((a, b) => (a.wallTimeMs.mean ?? Infinity) - (b.wallTimeMs.mean ?? Infinity))[0]!;
  const cost =
    cheapest.strategy === winner.strategy
      ? `It is also the fastest to train (${formatDuration(winner.wallTimeMs.mean)}).`
      : `It costs ${formatDuration(winner.wallTimeMs.mean)} of training${ratio(winner.wallTimeMs.mean, cheapest.wallTimeMs.mean) ? ` (${ratio(winner.wallTimeMs.mean, cheapest.wallTimeMs.mean)} ${STRATEGY_LABELS[cheapest.strategy]})` : ""} and trains ${formatInteger(winner.trainableParams)} parameters; ${STRATEGY_LABELS[cheapest.strategy]} reaches ${formatPercent(cheapest.accuracy.mean)} in ${formatDuration(cheapest.wallTimeMs.mean)}.`;
  return (
    <p className="verdict" aria-live="polite">
      <strong>
        {live ? "So far, " : ""}
        {STRATEGY_LABELS[winner.strategy]} is most accurate
      </strong>{" "}
      at {formatPercent(winner.accuracy.mean)}, {margin.toFixed(1)} points above {STRATEGY_LABELS[runnerUp.strategy]} ({formatPercent(runnerUp.accuracy.mean)}). {sure} {cost}
    </p>
  );
}
