import type { Metadata } from "next";
import { connection } from "next/server";
import { WebhooksPanel } from "@/components/settings/webhooks-panel";
import { requireUser } from "@/server/current-user";
import { serverApi } from "@/trpc/server";

export const metadata: Metadata = { title: "Webhooks" };

export default async function WebhooksPage() {
  await connection();
  const user = await requireUser();
  if (user.role !== "admin") {
    return (
      <section>
        <h1>Webhooks</h1>
        <p role="alert">Only admins manage webhooks; you are signed in as {user.role}.</p>
      </section>
    );
  }
  const api = await serverApi();
  const [webhooks, deliveries] = await Promise.all([
    api.webhook.list(),
    api.webhook.deliveries({ limit: 50 }),
  ]);
  return (
    <>
      <div className="page-header">
        <h1>Webhooks</h1>
      </div>
      <WebhooksPanel initialWebhooks={webhooks} initialDeliveries={deliveries} />
    </>
  );
}
