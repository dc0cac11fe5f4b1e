import type { TRPCRouterRecord } from "@trpc/server";
import { InviteToken } from "@tlab/core/access";
import { publicProcedure, viewerProcedure } from "../trpc";

/** The signed-in user, and the two public questions the sign-in and sign-up pages ask. */
export const accountRouter = {
  /** Public: true until the first account exists; then sign-up needs an invitation. */
  setupState: publicProcedure.query(async ({ ctx }) => ({
    needsFirstAdmin: (await ctx.services.userAdmin.countAccounts()) === 0,
  })),
  /** Public: the email and role an invitation link offers, so the sign-up form can show them. */
  invitePreview: publicProcedure
    .input(InviteToken)
    .query(({ ctx, input }) => ctx.services.userAdmin.previewInvite(input.token)),
  /** Who the credentials belong to; `tokenId` when they are a personal token (so `tlab logout` can revoke it). */
  me: viewerProcedure.query(({ ctx }) => ({
    ...ctx.user,
    via: ctx.principal.kind === "user" ? ctx.principal.via : "session",
    tokenId: ctx.principal.kind === "user" ? (ctx.principal.tokenId ?? null) : null,
  })),
} satisfies TRPCRouterRecord;
