import type { ReactNode } from "react";
import { orNotFound, serverApi } from "@/trpc/server";

/**
 * Outside the page's loading boundary, so an unknown experiment gets a real 404: a notFound() from
 * the page itself comes after the loading skeleton has streamed with status 200.
 */
export default async function ExperimentLayout({
  children,
  params,
}: {
  children: ReactNode;
  params: Promise<{ id: string }>;
}) {
  const { id } = await params;
  const api = await serverApi();
  await orNotFound(api.experiment.byId({ experimentId: id }));
  return children;
}
