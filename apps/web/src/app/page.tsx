import { connection } from "next/server";
import { ExperimentsTable } from "@/components/experiments/experiments-table";
import { experimentQueryFrom } from "@/lib/table-params";
import { serverApi } from "@/trpc/server";

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

export default async function ExperimentsPage({ searchParams }: Props) {
  await connection();
  const raw = await searchParams;
  const query = experimentQueryFrom({
    get: (name) => (typeof raw[name] === "string" ? raw[name] : null),
  });
  const api = await serverApi();
  const [initial, baseModels, datasets, tags] = await Promise.all([
    api.experiment.table(query),
    api.catalog.baseModels(),
    api.catalog.datasets(),
    api.review.tagCounts(),
  ]);
  return (
    <ExperimentsTable
      initial={initial}
      initialQuery={query}
      baseModels={baseModels.map((m) => m.name)}
      datasets={datasets.map((d) => d.name)}
      tags={tags}
    />
  );
}
