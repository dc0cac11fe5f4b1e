import { CreateExperimentInput } from "@tlab/core/experiment";
import type { LayerInfo } from "@tlab/core/layer-plan";
import { STRATEGY_KINDS, STRATEGY_LABELS, type StrategyConfigInput } from "@tlab/core/strategy";
import { describeStrategy, INVALID_VALUE, invalidStrategyPaths } from "@/lib/describe-strategy";
import { formatInteger } from "@/lib/format";
import { StrategyName } from "../strategy-name";
import { LayerStrip } from "./layer-strip";
import { completeStrategy } from "./strategy-settings";

interface Props {
  strategies: readonly StrategyConfigInput[];
  seeds: number;
  epochs: number;
  trainPerClass: number;
  /** Rungs of the label-budget ladder (1 without one). */
  budgets: number;
  /** Partial runs per seed and budget under a cut sweep; null without a sweep. */
  cutPoints: number | null;
  classCount: number;
  validationFraction: number;
  layers: readonly LayerInfo[];
  baseModel: string;
}

function count(n: number, word: string): string {
  return `${formatInteger(n)} ${word}${n === 1 ? "" : "s"}`;
}

/** Whether `value` passes the launch schema's check for `field`: the summary never echoes a value the form will refuse. */
function passes(
  field: "seeds" | "epochs" | "trainPerClass" | "validationFraction",
  value: number,
): boolean {
  return CreateExperimentInput.shape[field].safeParse(value).success;
}

/**
 * What pressing Launch will create, updated as the form changes: the runs and, per strategy, which
 * layers train. A value its field refuses shows as "—" (its error is next to the field).
 */
export function LaunchSummary({
  strategies,
  seeds,
  epochs,
  trainPerClass,
  budgets,
  cutPoints,
  classCount,
  validationFraction,
  layers,
  baseModel,
}: Props) {
  const validSeeds = passes("seeds", seeds) ? seeds : 0;
  const ordered = STRATEGY_KINDS.flatMap((k) => strategies.filter((s) => s.kind === k));
  // A sweep turns the partial strategy into one setting per cut point (see planExperimentRuns).
  const settings =
    cutPoints !== null && ordered.some((s) => s.kind === "partial")
      ? ordered.length - 1 + cutPoints
      : ordered.length;
  const runs = settings * validSeeds * budgets;
  const trainImages =
    passes("trainPerClass", trainPerClass) && classCount > 0 ? trainPerClass * classCount : null;
  const heldOut = passes("validationFraction", validationFraction)
    ? `${Math.round(validationFraction * 100)}%`
    : INVALID_VALUE;
  return (
    <aside className="launch-summary" aria-labelledby="launch-summary-heading">
      <h2 id="launch-summary-heading">This launch</h2>
      <p className="summary-total" aria-live="polite">
        {runs > 0 ? (
          <>
            <strong>{count(runs, "run")}</strong>:{" "}
            {settings === ordered.length
              ? `${ordered.length} strateg${ordered.length === 1 ? "y" : "ies"}`
              : count(settings, "strategy setting")}{" "}
            × {count(validSeeds, "seed")}
            {budgets > 1 ? ` × ${count(budgets, "label budget")}` : ""}
          </>
        ) : (
          "No runs yet: pick a strategy and from 1 to 10 seeds."
        )}
      </p>
      {runs > 0 ? (
        <p className="hint">
          {passes("epochs", epochs) ? count(epochs, "epoch") : `${INVALID_VALUE} epochs`} each
          {trainImages !== null
            ? ` · ${formatInteger(trainImages)} labelled training images (${heldOut} held out for validation)`
            : ""}
          . Seed <em>i</em> of every strategy sees the same split and initialisation, so the
          comparison is fair.
        </p>
      ) : null}
      <ul className="summary-runs">
        {ordered.map((value) => {
          const config = completeStrategy(value);
          return (
            <li key={config.kind}>
              <div className="summary-runs-head">
                <StrategyName strategy={config.kind} />
                <span className="muted">
                  {validSeeds > 1 ? `seeds 1–${validSeeds}` : validSeeds === 1 ? "seed 1" : ""}
                </span>
              </div>
              <p className="hint">{describeStrategy(config, invalidStrategyPaths(config))}</p>
              <LayerStrip layers={layers} config={config} />
            </li>
          );
        })}
      </ul>
      {ordered.length > 0 && layers.length > 0 ? (
        <p className="hint legend-line">
          <span className="strip-key frozen" aria-hidden="true" /> frozen{" "}
          <span className="strip-key trainable" aria-hidden="true" /> trainable · layers of{" "}
          <code>{baseModel}</code>, input to output
        </p>
      ) : null}
      {ordered.length === 0 ? (
        <p className="muted">
          {STRATEGY_LABELS.frozen}, partial and full fine-tuning can be compared in one launch.
        </p>
      ) : null}
    </aside>
  );
}
