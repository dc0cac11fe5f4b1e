import type { Metadata } from "next";
import { connection } from "next/server";
import { DatasetsView } from "@/components/catalog/datasets-view";
import { serverApi } from "@/trpc/server";

export const metadata: Metadata = { title: "Datasets" };

export default async function DatasetsPage() {
  await connection();
  const api = await serverApi();
  return <DatasetsView initial={await api.catalog.datasets()} />;
}
