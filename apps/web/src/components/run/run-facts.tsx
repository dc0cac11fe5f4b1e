import type { RunDetailDto, WorkerDto } from "@tlab/core/dto";
import type { ExternalRunSettings } from "@tlab/core/external-run";
import { STRATEGY_LABELS } from "@tlab/core/strategy";
import { describeStrategy } from "@/lib/describe-strategy";
import { durationBetween, formatDuration } from "@/lib/format";
import { ProgressBar } from "../progress-bar";
import { StatusBadge } from "../status-badge";

export function RunFacts({ run, worker }: { run: RunDetailDto; worker: WorkerDto | null }) {
  return (
    <dl className="facts run-facts">
      <div>
        <dt>Status</dt>
        <dd>
          {/* As in the page title and the experiment's runs table: a pending cancel reads "running (canceling)". */}
          <StatusBadge status={run.status} cancelRequested={run.cancelRequested} />
        </dd>
      </div>
      <div>
        <dt>Strategy</dt>
        <dd>{STRATEGY_LABELS[run.strategy]}</dd>
      </div>
      <div>
        <dt>Seed</dt>
        <dd>{run.seed}</dd>
      </div>
      <div>
        <dt>Attempt</dt>
        <dd>{run.attempt}</dd>
      </div>
      <div>
        <dt>Worker</dt>
        <dd>{run.reportedByClient ? "reported by a client" : (run.workerName ?? "—")}</dd>
      </div>
      <div>
        <dt>Backend</dt>
        <dd>{run.backend ?? worker?.backend ?? "—"}</dd>
      </div>
      <div>
        <dt>Device</dt>
        <dd>{worker ? `${worker.device} (${worker.hostname})` : "—"}</dd>
      </div>
      <div>
        <dt>Progress</dt>
        <dd>
          {run.status === "RUNNING" ? (
            <ProgressBar value={run.progress} label="Run progress" />
          ) : (
            `${Math.round(run.progress * 100)}%`
          )}
        </dd>
      </div>
      <div>
        <dt title="From the worker's claim to the run's end, downloads and uploads included">
          Claim to finish
        </dt>
        <dd>{formatDuration(durationBetween(run.startedAt, run.finishedAt))}</dd>
      </div>
      <div className="facts-wide">
        <dt>Settings</dt>
        <dd>
          {run.clientSettings
            ? describeClientSettings(run.clientSettings)
            : describeStrategy(run.config)}
        </dd>
      </div>
    </dl>
  );
}

/** What a client declared for a run it reports, as given (nothing filled in by defaults). */
function describeClientSettings(settings: ExternalRunSettings): string {
  const parts: string[] = [];
  if (settings.cut) parts.push(`cut ${settings.cut}`);
  if (settings.learningRate !== undefined) parts.push(`lr ${settings.learningRate}`);
  if (settings.baseLearningRate !== undefined) parts.push(`base lr ${settings.baseLearningRate}`);
  if (settings.head) parts.push(`head ${settings.head}`);
  if (settings.epochs !== undefined) parts.push(`${settings.epochs} epochs`);
  if (settings.batchSize !== undefined) parts.push(`batch ${settings.batchSize}`);
  for (const [key, value] of Object.entries(settings.extra)) parts.push(`${key} ${String(value)}`);
  return parts.length > 0
    ? `reported by the client: ${parts.join(", ")}`
    : "none reported by the client";
}
