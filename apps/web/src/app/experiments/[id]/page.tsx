import type { Metadata } from "next";
import { ExperimentView } from "@/components/experiment/experiment-view";
import { orNotFound, serverApi } from "@/trpc/server";

type Props = { params: Promise<{ id: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { id } = await params;
  const api = await serverApi();
  const experiment = await api.experiment.byId({ id }).catch(() => null);
  return { title: experiment?.name ?? "Experiment" };
}

export default async function ExperimentPage({ params }: Props) {
  const { id } = await params;
  const api = await serverApi();
  const comparison = await orNotFound(api.experiment.compare({ id }));
  return <ExperimentView id={id} initial={comparison} />;
}
