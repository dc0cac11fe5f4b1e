import type { TRPCRouterRecord } from "@trpc/server";
import { CreateInviteInput, SetActiveInput, SetRoleInput, TokenId } from "@tlab/core/access";
import { adminProcedure } from "../trpc";

/** Accounts, for admins: invite, change role, deactivate. */
export const userRouter = {
  list: adminProcedure.query(({ ctx }) => ctx.services.userAdmin.list()),
  setRole: adminProcedure
    .input(SetRoleInput)
    .mutation(({ ctx, input }) =>
      ctx.services.userAdmin.setRole(input.userId, input.role, ctx.user),
    ),
  setActive: adminProcedure
    .input(SetActiveInput)
    .mutation(({ ctx, input }) =>
      ctx.services.userAdmin.setActive(input.userId, input.active, ctx.user),
    ),
  invite: adminProcedure
    .input(CreateInviteInput)
    .mutation(({ ctx, input }) => ctx.services.userAdmin.invite(input, ctx.user)),
  invites: adminProcedure.query(({ ctx }) => ctx.services.userAdmin.listInvites()),
  revokeInvite: adminProcedure
    .input(TokenId)
    .mutation(({ ctx, input }) => ctx.services.userAdmin.revokeInvite(input.id)),
} satisfies TRPCRouterRecord;
