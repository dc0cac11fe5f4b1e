"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import type { ExperimentSummaryDto } from "@tlab/core/dto";
import { RunStatus } from "@tlab/core/run";
import { formatDateTime, STATUS_WORDS } from "@/lib/format";
import { LIVE_REFRESH_MS, useTRPC } from "@/trpc/react";

interface Props {
  initial: { items: ExperimentSummaryDto[]; nextCursor: string | null };
  limit: number;
}

export function ExperimentsTable({ initial, limit }: Props) {
  const trpc = useTRPC();
  const { data } = useQuery(
    trpc.experiment.list.queryOptions(
      { limit },
      {
        initialData: initial,
        refetchInterval: (query) =>
          query.state.data?.items.some((e) => e.runCounts.QUEUED + e.runCounts.RUNNING > 0) ? LIVE_REFRESH_MS * 2 : false,
      },
    ),
  );
  const items = data.items;
  return (
    <>
      <div className="page-header">
        <h1>Experiments</h1>
        <Link href="/experiments/new" className="button button-primary">
          New experiment
        </Link>
      </div>
      {items.length === 0 ? (
        <section className="empty-state">
          <h2>No experiments yet</h2>
          <p>
            An experiment trains a base model on a new dataset with each transfer strategy (frozen feature extractor, partial and
            full fine-tuning) so you can compare them side by side. Launch one with <strong>New experiment</strong>, or from a
            terminal with <code>npm run tlab -- launch --preset digits</code>.
          </p>
        </section>
      ) : (
        <div className="table-scroll">
          <table className="data-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Base model</th>
                <th scope="col">Dataset</th>
                <th scope="col">Runs</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {items.map((experiment) => (
                <tr key={experiment.id}>
                  <td>
                    <Link href={`/experiments/${experiment.id}`}>{experiment.name}</Link>
                  </td>
                  <td>{experiment.baseModelName}</td>
                  <td>{experiment.datasetName}</td>
                  <td>
                    <RunCounts counts={experiment.runCounts} />
                  </td>
                  <td className="nowrap">{formatDateTime(experiment.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {data.nextCursor ? <p className="muted">Showing the {limit} most recent experiments.</p> : null}
        </div>
      )}
    </>
  );
}

function RunCounts({ counts }: { counts: ExperimentSummaryDto["runCounts"] }) {
  const parts = RunStatus.options.filter((status) => counts[status] > 0);
  if (parts.length === 0) return <span className="muted">none</span>;
  return (
    <span className="run-counts">
      {parts.map((status) => (
        <span key={status} className={`status status-${STATUS_WORDS[status]}`}>
          {counts[status]} {STATUS_WORDS[status]}
        </span>
      ))}
    </span>
  );
}
