import Link from "next/link";
import type { ExperimentDetailDto } from "@tlab/core/dto";
import type { StrategyConfig } from "@tlab/core/strategy";
import { describeStrategy } from "@/lib/describe-strategy";
import { byStrategyThenSeed } from "@/lib/run-order";
import { formatDateTime, formatPercent } from "@/lib/format";
import { StrategyName } from "../strategy-name";

/** What was launched: the shared settings and each strategy's own configuration. */
export function ExperimentHeader({ experiment }: { experiment: ExperimentDetailDto }) {
  const strategies = new Map<StrategyConfig["kind"], StrategyConfig>();
  for (const run of [...experiment.runs].sort(byStrategyThenSeed)) if (!strategies.has(run.strategy)) strategies.set(run.strategy, run.config);
  return (
    <header className="experiment-header">
      <div className="page-header">
        <div>
          <p className="breadcrumb">
            <Link href="/">Experiments</Link> /
          </p>
          <h1>{experiment.name}</h1>
          <p className="subtitle">
            <code>{experiment.baseModelName}</code> → <code>{experiment.datasetName}</code>
          </p>
        </div>
        <Link href={`/experiments/new?clone=${experiment.id}`} className="button">
          Launch a copy
        </Link>
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
          <dd>{experiment.trainPerClass}</dd>
        </div>
        <div>
          <dt>Validation fraction</dt>
          <dd>{formatPercent(experiment.validationFraction, 0)}</dd>
        </div>
        <div>
          <dt>Test images per class</dt>
          <dd>{experiment.testPerClass}</dd>
        </div>
        <div>
          <dt>Created</dt>
          <dd>{formatDateTime(experiment.createdAt)}</dd>
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
