import type { TRPCRouterRecord } from "@trpc/server";
import { CreateExperimentInput, ExperimentId, ListExperimentsInput } from "@tlab/core/experiment";
import { DomainError } from "@tlab/core/errors";
import { ExperimentTableInput } from "@tlab/core/table-queries";
import { memberProcedure, viewerProcedure } from "../trpc";

export const experimentRouter = {
  create: memberProcedure
    .input(CreateExperimentInput)
    .mutation(({ ctx, input }) => ctx.services.experiments.create(input, ctx.user)),
  list: viewerProcedure
    .input(ListExperimentsInput)
    .query(({ ctx, input }) => ctx.services.experimentsRepo.list(input)),
  byId: viewerProcedure.input(ExperimentId).query(async ({ ctx, input }) => {
    const experiment = await ctx.services.experimentsRepo.byId(input.id);
    if (!experiment) throw new DomainError("NOT_FOUND", `id: no experiment "${input.id}"`);
    return experiment;
  }),
  compare: viewerProcedure
    .input(ExperimentId)
    .query(({ ctx, input }) => ctx.services.comparison.compare(input.id)),
  /** The experiments table: search, filters, sort and keyset pages. */
  table: viewerProcedure
    .input(ExperimentTableInput)
    .query(({ ctx, input }) => ctx.services.experimentQueries.page(input, ctx.user.id)),
} satisfies TRPCRouterRecord;
