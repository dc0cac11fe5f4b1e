import type { TRPCRouterRecord } from "@trpc/server";
import { CreateTokenInput, TokenId } from "@tlab/core/access";
import { adminProcedure, viewerProcedure } from "../trpc";

/**
 * API tokens. Anyone signed in manages their own personal tokens (the CLI's TLAB_TOKEN, with the
 * owner's role); admins manage worker tokens. A token's secret is in the create response only.
 */
export const tokenRouter = {
  listPersonal: viewerProcedure.query(({ ctx }) =>
    ctx.services.tokens.list("personal", ctx.user.id),
  ),
  createPersonal: viewerProcedure
    .input(CreateTokenInput)
    .mutation(({ ctx, input }) => ctx.services.tokens.create("personal", ctx.user, input)),
  revokePersonal: viewerProcedure
    .input(TokenId)
    .mutation(({ ctx, input }) => ctx.services.tokens.revoke(input.id, ctx.user, "personal")),
  listWorker: adminProcedure.query(({ ctx }) => ctx.services.tokens.list("worker")),
  createWorker: adminProcedure
    .input(CreateTokenInput)
    .mutation(({ ctx, input }) => ctx.services.tokens.create("worker", ctx.user, input)),
  revokeWorker: adminProcedure
    .input(TokenId)
    .mutation(({ ctx, input }) => ctx.services.tokens.revoke(input.id, ctx.user, "worker")),
} satisfies TRPCRouterRecord;
