"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import type { WorkerListItemDto } from "@tlab/core/dto";
import { STRATEGY_LABELS } from "@tlab/core/strategy";
import { formatDateTime, formatPercent } from "@/lib/format";
import { LIVE_REFRESH_MS, useTRPC } from "@/trpc/react";

export function WorkersTable({ initial }: { initial: WorkerListItemDto[] }) {
  const trpc = useTRPC();
  const { data: workers } = useQuery(
    trpc.worker.list.queryOptions(undefined, {
      initialData: initial,
      refetchInterval: LIVE_REFRESH_MS * 2,
    }),
  );
  return (
    <>
      <div className="page-header">
        <h1>Workers</h1>
      </div>
      {workers.length === 0 ? (
        <section className="empty-state">
          <h2>No workers yet</h2>
          <p>
            Workers pull queued runs and train them. <code>npm start</code> starts one next to the
            server; on another host run <code>npm run tlab -- worker</code> with{" "}
            <code>TLAB_API_URL</code> and <code>TLAB_WORKER_TOKEN</code> set.
          </p>
        </section>
      ) : (
        <div className="table-scroll">
          <table className="data-table">
            <thead>
              <tr>
                <th scope="col">State</th>
                <th scope="col">Name</th>
                <th scope="col">Host</th>
                <th scope="col">Backend</th>
                <th scope="col">Device</th>
                <th scope="col">Current run</th>
                <th scope="col">Last seen</th>
              </tr>
            </thead>
            <tbody>
              {workers.map((worker) => (
                <tr key={worker.id}>
                  <td className="nowrap">
                    {worker.online ? (
                      <span className="worker-online">online</span>
                    ) : (
                      <span className="muted">
                        offline since {formatDateTime(worker.lastSeenAt)}
                      </span>
                    )}
                  </td>
                  <td>{worker.name}</td>
                  <td>{worker.hostname}</td>
                  <td>
                    <code>{worker.backend}</code>
                  </td>
                  <td>{worker.device}</td>
                  <td>
                    {worker.currentRun ? (
                      <>
                        <Link href={`/runs/${worker.currentRun.id}`}>
                          {worker.currentRun.experimentName} ·{" "}
                          {STRATEGY_LABELS[worker.currentRun.strategy]} · seed{" "}
                          {worker.currentRun.seed}
                        </Link>{" "}
                        <span className="muted">
                          {formatPercent(worker.currentRun.progress, 0)}
                        </span>
                      </>
                    ) : (
                      <span className="muted">{worker.online ? "idle" : "—"}</span>
                    )}
                  </td>
                  <td className="nowrap">{formatDateTime(worker.lastSeenAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
