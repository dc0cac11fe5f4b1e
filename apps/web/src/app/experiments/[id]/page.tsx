import type { Metadata } from "next";
import { ExperimentView } from "@/components/experiment/experiment-view";
import { ExperimentReview } from "@/components/review/experiment-review";
import { orNotFound, serverApi } from "@/trpc/server";

type Props = { params: Promise<{ id: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { id } = await params;
  const api = await serverApi();
  const experiment = await api.experiment.byId({ experimentId: id }).catch(() => null);
  return { title: experiment?.name ?? "Experiment" };
}

export default async function ExperimentPage({ params }: Props) {
  const { id } = await params;
  const api = await serverApi();
  const comparison = await orNotFound(api.experiment.compare({ experimentId: id }));
  const strategies = [...new Set(comparison.experiment.runs.map((run) => run.strategy))];
  return (
    <>
      <ExperimentView id={id} initial={comparison} />
      <ExperimentReview experimentId={id} strategies={strategies} />
    </>
  );
}
