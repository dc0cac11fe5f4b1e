import type { Metadata } from "next";
import { connection } from "next/server";
import { WorkersTable } from "@/components/workers/workers-table";
import { serverApi } from "@/trpc/server";

export const metadata: Metadata = { title: "Workers" };

export default async function WorkersPage() {
  await connection();
  const api = await serverApi();
  return <WorkersTable initial={await api.worker.list()} />;
}
