import type { Metadata } from "next";
import { connection } from "next/server";
import { TokensPanel } from "@/components/settings/tokens-panel";
import { serverApi } from "@/trpc/server";
import { requireUser } from "@/server/current-user";

export const metadata: Metadata = { title: "API tokens" };

export default async function TokensPage() {
  await connection();
  const user = await requireUser();
  const api = await serverApi();
  const [personal, worker] = await Promise.all([
    api.token.listPersonal(),
    user.role === "admin" ? api.token.listWorker() : Promise.resolve(null),
  ]);
  return (
    <>
      <div className="page-header">
        <h1>API tokens</h1>
      </div>
      <TokensPanel kind="personal" initial={personal} />
      {worker ? <TokensPanel kind="worker" initial={worker} /> : null}
    </>
  );
}
