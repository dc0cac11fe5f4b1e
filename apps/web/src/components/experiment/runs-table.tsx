import Link from "next/link";
import type { RunSummaryDto } from "@tlab/core/dto";
import { describeCut, STRATEGY_LABELS } from "@tlab/core/strategy";
import { byStrategyThenSeed } from "@/lib/run-order";
import { formatDuration, formatPercent, isActive } from "@/lib/format";
import { CancelRunButton, RetryRunButton } from "../run-action-buttons";
import { ProgressBar } from "../progress-bar";
import { StatusBadge } from "../status-badge";
import { StrategyName } from "../strategy-name";

/** The cut of a partial run in a sweep and the budget of a run in a ladder: what tells its runs apart. */
function variantOf(run: RunSummaryDto, variants: { sweep: boolean; ladder: boolean }): string {
  const parts: string[] = [];
  if (variants.sweep && run.config.kind === "partial") parts.push(describeCut(run.config.cut));
  if (variants.ladder && run.trainPerClass !== null) parts.push(`${run.trainPerClass} per class`);
  return parts.join(", ");
}

export function RunsTable({
  runs,
  seeds,
  variants = { sweep: false, ladder: false },
}: {
  runs: RunSummaryDto[];
  seeds: number;
  /** Whether the experiment has a cut sweep or a label-budget ladder, whose runs each row then names. */
  variants?: { sweep: boolean; ladder: boolean };
}) {
  return (
    <div className="table-scroll">
      <table className="data-table runs-table">
        <thead>
          <tr>
            <th scope="col">Strategy</th>
            <th scope="col">Seed</th>
            <th scope="col">Status</th>
            <th scope="col">Progress</th>
            <th scope="col">Test accuracy</th>
            <th scope="col">Wall time</th>
            <th scope="col">Worker</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {[...runs].sort(byStrategyThenSeed).map((run) => {
            const variant = variantOf(run, variants);
            const name = `${STRATEGY_LABELS[run.strategy]}${variant ? ` (${variant})` : ""}${seeds > 1 ? ` seed ${run.seed}` : ""}`;
            return (
              <tr key={run.id} data-run-id={run.id}>
                <td>
                  <StrategyName strategy={run.strategy} />
                  {variant ? <span className="muted small"> · {variant}</span> : null}
                </td>
                <td>{run.seed}</td>
                <td>
                  <StatusBadge status={run.status} cancelRequested={run.cancelRequested} />
                  {run.attempt > 1 ? <span className="muted"> · attempt {run.attempt}</span> : null}
                  {run.failureReason && (run.status === "FAILED" || run.status === "CANCELED") ? (
                    <div className="failure-reason">{run.failureReason}</div>
                  ) : run.failureReason && isActive(run.status) ? (
                    // An active run with a reason was requeued after its worker vanished; the run page has the details.
                    <span className="muted" title={run.failureReason}>
                      {" "}
                      · requeued
                    </span>
                  ) : null}
                </td>
                <td>
                  {run.status === "RUNNING" ? (
                    <ProgressBar value={run.progress} label={`Progress of ${name}`} />
                  ) : run.status === "SUCCEEDED" ? (
                    <span className="muted">done</span>
                  ) : (
                    <span className="muted">—</span>
                  )}
                </td>
                <td className="num nowrap">{formatPercent(run.testAccuracy)}</td>
                <td className="num nowrap">{formatDuration(run.wallTimeMs)}</td>
                <td className="nowrap">
                  {run.reportedByClient ? (
                    <span className="muted">reported by a client</span>
                  ) : (
                    (run.workerName ?? <span className="muted">—</span>)
                  )}
                </td>
                <td className="actions">
                  <Link href={`/runs/${run.id}`} aria-label={`Details of ${name}`}>
                    Details
                  </Link>
                  {isActive(run.status) && !run.cancelRequested ? (
                    <CancelRunButton runId={run.id} label={`Cancel ${name}`} />
                  ) : null}
                  {run.status === "FAILED" || run.status === "CANCELED" ? (
                    <RetryRunButton runId={run.id} label={`Retry ${name}`} />
                  ) : null}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
