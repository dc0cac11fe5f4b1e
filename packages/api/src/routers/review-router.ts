import type { TRPCRouterRecord } from "@trpc/server";
import { ActivityInput, AddCommentInput, CommentId, CommentThread, EditCommentInput, ExperimentRef, SetDecisionInput } from "@tlab/core/review";
import { memberProcedure, viewerProcedure } from "../trpc";

/** Team review: comment threads on experiments and runs, decisions, the activity feed. */
export const reviewRouter = {
  comments: viewerProcedure.input(CommentThread).query(({ ctx, input }) => ctx.services.review.comments(input)),
  addComment: memberProcedure.input(AddCommentInput).mutation(({ ctx, input }) => ctx.services.review.addComment(input, ctx.user)),
  editComment: memberProcedure.input(EditCommentInput).mutation(({ ctx, input }) => ctx.services.review.editComment(input.id, input.body, ctx.user)),
  deleteComment: memberProcedure.input(CommentId).mutation(({ ctx, input }) => ctx.services.review.deleteComment(input.id, ctx.user)),
  decisions: viewerProcedure.input(ExperimentRef).query(({ ctx, input }) => ctx.services.review.decisions(input.experimentId)),
  decide: memberProcedure.input(SetDecisionInput).mutation(({ ctx, input }) => ctx.services.review.decide(input, ctx.user)),
  activity: viewerProcedure.input(ActivityInput).query(({ ctx, input }) => ctx.services.review.activity(input)),
} satisfies TRPCRouterRecord;
