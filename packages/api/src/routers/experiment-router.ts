import type { TRPCRouterRecord } from "@trpc/server";
import { CreateExperimentInput, ExperimentId, ListExperimentsInput } from "@tlab/core/experiment";
import { ExperimentTableInput } from "@tlab/core/table-queries";
import { memberProcedure, viewerProcedure } from "../trpc";

export const experimentRouter = {
  create: memberProcedure
    .input(CreateExperimentInput)
    .mutation(({ ctx, input }) => ctx.services.experiments.create(input, ctx.user)),
  list: viewerProcedure
    .input(ListExperimentsInput)
    .query(({ ctx, input }) => ctx.services.experiments.list(input)),
  byId: viewerProcedure
    .input(ExperimentId)
    .query(({ ctx, input }) => ctx.services.experiments.byId(input.experimentId)),
  compare: viewerProcedure
    .input(ExperimentId)
    .query(({ ctx, input }) => ctx.services.comparison.compare(input.experimentId)),
  /** The experiments table: search, filters, sort and keyset pages. */
  table: viewerProcedure
    .input(ExperimentTableInput)
    .query(({ ctx, input }) => ctx.services.experiments.table(input, ctx.user.id)),
} satisfies TRPCRouterRecord;
