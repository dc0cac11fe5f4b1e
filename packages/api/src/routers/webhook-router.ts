import type { TRPCRouterRecord } from "@trpc/server";
import {
  CreateWebhookInput,
  SetWebhookEnabledInput,
  WebhookDeliveriesInput,
  WebhookId,
} from "@tlab/core/webhook";
import { adminProcedure } from "../trpc";

/**
 * Webhooks (admins only: they make the server send requests to URLs of their choosing, with
 * experiment data). A webhook's secret is in the create response only.
 */
export const webhookRouter = {
  list: adminProcedure.query(({ ctx }) => ctx.services.webhooks.list()),
  create: adminProcedure
    .input(CreateWebhookInput)
    .mutation(({ ctx, input }) => ctx.services.webhooks.create(input)),
  setEnabled: adminProcedure
    .input(SetWebhookEnabledInput)
    .mutation(({ ctx, input }) => ctx.services.webhooks.setEnabled(input.id, input.enabled)),
  remove: adminProcedure
    .input(WebhookId)
    .mutation(({ ctx, input }) => ctx.services.webhooks.remove(input.id)),
  sendTest: adminProcedure
    .input(WebhookId)
    .mutation(({ ctx, input }) => ctx.services.webhooks.sendTest(input.id)),
  deliveries: adminProcedure
    .input(WebhookDeliveriesInput)
    .query(({ ctx, input }) => ctx.services.webhooks.deliveries(input)),
} satisfies TRPCRouterRecord;
