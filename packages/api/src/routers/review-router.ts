import type { TRPCRouterRecord } from "@trpc/server";
import { RunId } from "@tlab/core/run";
import {
  ActivityInput,
  AddCommentInput,
  CommentId,
  CommentThread,
  EditCommentInput,
  ExperimentRef,
  ExperimentTagInput,
  SetDecisionInput,
  SetRunNoteInput,
  SetStarInput,
} from "@tlab/core/review";
import { memberProcedure, viewerProcedure } from "../trpc";

/** Team review: comment threads on experiments and runs, decisions, tags and stars, run notes, the activity feed. */
export const reviewRouter = {
  comments: viewerProcedure
    .input(CommentThread)
    .query(({ ctx, input }) => ctx.services.review.comments(input)),
  addComment: memberProcedure
    .input(AddCommentInput)
    .mutation(({ ctx, input }) => ctx.services.review.addComment(input, ctx.user)),
  editComment: memberProcedure
    .input(EditCommentInput)
    .mutation(({ ctx, input }) => ctx.services.review.editComment(input.id, input.body, ctx.user)),
  deleteComment: memberProcedure
    .input(CommentId)
    .mutation(({ ctx, input }) => ctx.services.review.deleteComment(input.id, ctx.user)),
  decisions: viewerProcedure
    .input(ExperimentRef)
    .query(({ ctx, input }) => ctx.services.review.decisions(input.experimentId)),
  decide: memberProcedure
    .input(SetDecisionInput)
    .mutation(({ ctx, input }) => ctx.services.review.decide(input, ctx.user)),
  /** An experiment's tags and stars, with whether the caller starred it. */
  labels: viewerProcedure
    .input(ExperimentRef)
    .query(({ ctx, input }) => ctx.services.labels.labelsOf(input.experimentId, ctx.user)),
  /** Every tag in use, with how many experiments carry it. */
  tagCounts: viewerProcedure.query(({ ctx }) => ctx.services.labels.tagCounts()),
  addTag: memberProcedure
    .input(ExperimentTagInput)
    .mutation(({ ctx, input }) => ctx.services.labels.addTag(input, ctx.user)),
  removeTag: memberProcedure
    .input(ExperimentTagInput)
    .mutation(({ ctx, input }) => ctx.services.labels.removeTag(input, ctx.user)),
  setStar: memberProcedure
    .input(SetStarInput)
    .mutation(({ ctx, input }) => ctx.services.labels.setStar(input, ctx.user)),
  runNote: viewerProcedure
    .input(RunId)
    .query(({ ctx, input }) => ctx.services.runNotes.note(input.runId)),
  setRunNote: memberProcedure
    .input(SetRunNoteInput)
    .mutation(({ ctx, input }) => ctx.services.runNotes.save(input, ctx.user)),
  activity: viewerProcedure
    .input(ActivityInput)
    .query(({ ctx, input }) => ctx.services.review.activity(input)),
} satisfies TRPCRouterRecord;
