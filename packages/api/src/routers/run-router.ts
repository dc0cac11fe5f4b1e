import type { TRPCRouterRecord } from "@trpc/server";
import { RunId } from "@tlab/core/run";
import { DomainError } from "@tlab/core/errors";
import { publicProcedure } from "../trpc";

export const runRouter = {
  byId: publicProcedure.input(RunId).query(async ({ ctx, input }) => {
    const run = await ctx.services.runsRepo.byId(input.runId);
    if (!run) throw new DomainError("NOT_FOUND", `runId: no run "${input.runId}"`);
    return run;
  }),
  metrics: publicProcedure.input(RunId).query(({ ctx, input }) => ctx.services.comparison.runSeries(input.runId)),
  cancel: publicProcedure.input(RunId).mutation(({ ctx, input }) => ctx.services.runs.cancel(input.runId)),
} satisfies TRPCRouterRecord;
