import type { TRPCRouterRecord } from "@trpc/server";
import { CreateExperimentInput, ExperimentId, ListExperimentsInput } from "@tlab/core/experiment";
import { DomainError } from "@tlab/core/errors";
import { ExperimentTableInput } from "@tlab/core/table-queries";
import { publicProcedure } from "../trpc";

export const experimentRouter = {
  create: publicProcedure.input(CreateExperimentInput).mutation(({ ctx, input }) => ctx.services.experiments.create(input)),
  list: publicProcedure.input(ListExperimentsInput).query(({ ctx, input }) => ctx.services.experimentsRepo.list(input)),
  byId: publicProcedure.input(ExperimentId).query(async ({ ctx, input }) => {
    const experiment = await ctx.services.experimentsRepo.byId(input.id);
    if (!experiment) throw new DomainError("NOT_FOUND", `id: no experiment "${input.id}"`);
    return experiment;
  }),
  compare: publicProcedure.input(ExperimentId).query(({ ctx, input }) => ctx.services.comparison.compare(input.id)),
  /** The experiments table: search, filters, sort and keyset pages. */
  table: publicProcedure.input(ExperimentTableInput).query(({ ctx, input }) => ctx.services.experimentQueries.page(input)),
} satisfies TRPCRouterRecord;
