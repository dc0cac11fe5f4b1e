import { connection } from "next/server";
import { ExperimentsTable } from "@/components/experiments/experiments-table";
import { serverApi } from "@/trpc/server";

const EXPERIMENTS_PAGE_SIZE = 50;

export default async function ExperimentsPage() {
  await connection();
  const api = await serverApi();
  const initial = await api.experiment.list({ limit: EXPERIMENTS_PAGE_SIZE });
  return <ExperimentsTable initial={initial} limit={EXPERIMENTS_PAGE_SIZE} />;
}
