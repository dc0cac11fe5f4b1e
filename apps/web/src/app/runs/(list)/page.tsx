import type { Metadata } from "next";
import { connection } from "next/server";
import { RunsBrowser } from "@/components/runs/runs-browser";
import { runQueryFrom } from "@/lib/table-params";
import { serverApi } from "@/trpc/server";

export const metadata: Metadata = { title: "Runs" };

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

export default async function RunsPage({ searchParams }: Props) {
  await connection();
  const raw = await searchParams;
  const query = runQueryFrom({ get: (name) => (typeof raw[name] === "string" ? raw[name] : null) });
  const api = await serverApi();
  const [initial, baseModels, datasets] = await Promise.all([
    api.run.table(query),
    api.catalog.baseModels(),
    api.catalog.datasets(),
  ]);
  return (
    <RunsBrowser
      initial={initial}
      initialQuery={query}
      baseModels={baseModels.map((m) => m.name)}
      datasets={datasets.map((d) => d.name)}
    />
  );
}
