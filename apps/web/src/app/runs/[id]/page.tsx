import type { Metadata } from "next";
import { STRATEGY_LABELS } from "@tlab/core/strategy";
import { RunReview } from "@/components/review/experiment-review";
import { RunNote } from "@/components/run/run-note";
import { RunView } from "@/components/run/run-view";
import { orNotFound, serverApi } from "@/trpc/server";

type Props = { params: Promise<{ id: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { id } = await params;
  const api = await serverApi();
  const run = await api.run.byId({ runId: id }).catch(() => null);
  return {
    title: run
      ? `${STRATEGY_LABELS[run.strategy]} · seed ${run.seed} · ${run.experimentName}`
      : "Run",
  };
}

export default async function RunPage({ params }: Props) {
  const { id } = await params;
  const api = await serverApi();
  const [run, metrics] = await Promise.all([
    orNotFound(api.run.byId({ runId: id })),
    orNotFound(api.run.metrics({ runId: id })),
  ]);
  return (
    <>
      <RunView runId={id} initialRun={run} initialMetrics={metrics} />
      <div className="review">
        <RunNote runId={id} />
      </div>
      <RunReview experimentId={run.experimentId} runId={id} />
    </>
  );
}
