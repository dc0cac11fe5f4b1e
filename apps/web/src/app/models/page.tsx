import type { Metadata } from "next";
import { connection } from "next/server";
import { ModelsView } from "@/components/catalog/models-view";
import { serverApi } from "@/trpc/server";

export const metadata: Metadata = { title: "Base models" };

export default async function ModelsPage() {
  await connection();
  const api = await serverApi();
  return <ModelsView initial={await api.catalog.baseModels()} />;
}
