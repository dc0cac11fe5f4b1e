import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import type { ExperimentDetailDto } from "@tlab/core/dto";
import type { StrategyConfig } from "@tlab/core/strategy";
import { describeStrategy } from "@/lib/describe-strategy";
import { byStrategyThenSeed } from "@/lib/run-order";
import { useCan } from "@/components/auth/current-user";
import { formatDateTime, formatPercent } from "@/lib/format";
import { useTRPC } from "@/trpc/react";
import { modelsPageHref, SourceRunLink } from "../catalog/source-run-link";
import { ExperimentLabels } from "../review/experiment-labels";
import { StrategyName } from "../strategy-name";

function describeAugmentation(a: ExperimentDetailDto["training"]["augmentation"]): string {
  const parts = [
    a.flipHorizontal ? "flip" : null,
    a.shiftPixels > 0 ? `shift ${a.shiftPixels} px` : null,
    a.rotateDegrees > 0 ? `rotate ${a.rotateDegrees}°` : null,
    a.brightness > 0 ? `brightness ±${a.brightness}` : null,
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(", ") : "none";
}

/** What was launched: the shared settings and each strategy's own configuration. */
export function ExperimentHeader({ experiment }: { experiment: ExperimentDetailDto }) {
  const trpc = useTRPC();
  const canLaunch = useCan("member");
  // The base model's lineage (a promoted base names its source run); the header renders without it until it arrives.
  const { data: baseModels } = useQuery(
    trpc.catalog.baseModels.queryOptions(undefined, { staleTime: 60_000 }),
  );
  const sourceRun = baseModels?.find((m) => m.name === experiment.baseModelName)?.sourceRun ?? null;
  const strategies = new Map<StrategyConfig["kind"], StrategyConfig>();
  for (const run of [...experiment.runs].sort(byStrategyThenSeed))
    if (!strategies.has(run.strategy)) strategies.set(run.strategy, run.config);
  if (experiment.source === "external") return <ExternalExperimentHeader experiment={experiment} />;
  return (
    <header className="experiment-header">
      <div className="page-header">
        <div>
          <p className="breadcrumb">
            <Link href="/">Experiments</Link> /
          </p>
          <h1>{experiment.name}</h1>
          <p className="subtitle">
            <Link
              href={modelsPageHref(experiment.baseModelName)}
              title="This base model on the Models page"
            >
              <code>{experiment.baseModelName}</code>
            </Link>{" "}
            → <code>{experiment.datasetName}</code>
          </p>
          {sourceRun ? (
            <p className="subtitle">
              <code>{experiment.baseModelName}</code> was promoted from{" "}
              <SourceRunLink run={sourceRun} />
            </p>
          ) : null}
          <ExperimentLabels experimentId={experiment.id} experimentName={experiment.name} />
        </div>
        <div className="header-actions">
          <Link href={`/runs?experiment=${experiment.id}`} className="button">
            Runs table
          </Link>
          {canLaunch ? (
            <Link href={`/experiments/new?clone=${experiment.id}`} className="button">
              Clone
            </Link>
          ) : null}
        </div>
      </div>
      <dl className="facts">
        <div>
          <dt>Epochs</dt>
          <dd>{experiment.epochs}</dd>
        </div>
        <div>
          <dt>Seeds</dt>
          <dd>{experiment.seeds}</dd>
        </div>
        <div>
          <dt>Batch size</dt>
          <dd>{experiment.batchSize}</dd>
        </div>
        <div>
          <dt>Training images per class</dt>
          <dd>
            {experiment.trainPerClassLadder
              ? `${[...experiment.trainPerClassLadder].sort((a, b) => a - b).join(", ")} (ladder)`
              : experiment.trainPerClass}
          </dd>
        </div>
        {experiment.cutSweep ? (
          <div>
            <dt>Cut sweep</dt>
            <dd>
              {experiment.cutSweep === "all" ? "every cut point" : experiment.cutSweep.join(", ")}
            </dd>
          </div>
        ) : null}
        <div>
          <dt>Validation fraction</dt>
          <dd>{formatPercent(experiment.validationFraction, 0)}</dd>
        </div>
        <div>
          <dt>Test images per class</dt>
          <dd>{experiment.testPerClass}</dd>
        </div>
        <div>
          <dt>LR schedule</dt>
          <dd>{experiment.training.lrSchedule}</dd>
        </div>
        <div>
          <dt>BatchNorm statistics</dt>
          <dd>
            {experiment.training.batchNorm === "frozen"
              ? "frozen (inference mode)"
              : "updated (batch statistics)"}
          </dd>
        </div>
        <div>
          <dt>Early stopping</dt>
          <dd>
            {experiment.training.earlyStoppingPatience > 0
              ? `after ${experiment.training.earlyStoppingPatience} epochs`
              : "off"}
          </dd>
        </div>
        <div>
          <dt>Augmentation</dt>
          <dd>{describeAugmentation(experiment.training.augmentation)}</dd>
        </div>
        <div>
          <dt>Launched</dt>
          <dd>
            {formatDateTime(experiment.createdAt)}
            {experiment.launchedBy ? ` by ${experiment.launchedBy.name}` : null}
          </dd>
        </div>
      </dl>
      <ul className="strategy-configs" aria-label="Strategy settings">
        {[...strategies.values()].map((config) => (
          <li key={config.kind}>
            <StrategyName strategy={config.kind} />
            <span className="muted">{describeStrategy(config)}</span>
          </li>
        ))}
      </ul>
      {experiment.notes ? <p className="notes">{experiment.notes}</p> : null}
    </header>
  );
}

/**
 * An external experiment's header: its runs are reported by a client, so the base model and
 * dataset are the client's names (not catalog entries) and the training settings are per run.
 */
function ExternalExperimentHeader({ experiment }: { experiment: ExperimentDetailDto }) {
  return (
    <header className="experiment-header">
      <div className="page-header">
        <div>
          <p className="breadcrumb">
            <Link href="/">Experiments</Link> /
          </p>
          <h1>{experiment.name}</h1>
          <p className="subtitle">
            <code>{experiment.baseModelName}</code> → <code>{experiment.datasetName}</code>{" "}
            <span className="status status-note">reported by a client</span>
          </p>
          <ExperimentLabels experimentId={experiment.id} experimentName={experiment.name} />
        </div>
        <div className="header-actions">
          <Link href={`/runs?experiment=${experiment.id}`} className="button">
            Runs table
          </Link>
        </div>
      </div>
      <dl className="facts">
        <div>
          <dt>Base model</dt>
          <dd>{experiment.external?.baseModel.description || experiment.baseModelName}</dd>
        </div>
        <div>
          <dt>Dataset</dt>
          <dd>{experiment.external?.dataset.description || experiment.datasetName}</dd>
        </div>
        <div>
          <dt>Epochs (most reported)</dt>
          <dd>{experiment.epochs}</dd>
        </div>
        <div>
          <dt>Seeds</dt>
          <dd>{experiment.seeds}</dd>
        </div>
        <div>
          <dt>Created</dt>
          <dd>
            {formatDateTime(experiment.createdAt)}
            {experiment.launchedBy ? ` by ${experiment.launchedBy.name}` : null}
          </dd>
        </div>
      </dl>
      <p className="muted">
        Runs of this experiment are trained elsewhere and reported through the API (
        <Link href="/api-reference">API</Link>); each run's settings are on its page.
      </p>
      {experiment.notes ? <p className="notes">{experiment.notes}</p> : null}
    </header>
  );
}
