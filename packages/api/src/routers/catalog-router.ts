import type { TRPCRouterRecord } from "@trpc/server";
import { PromoteRunInput } from "@tlab/core/catalog-input";
import { RunId } from "@tlab/core/run";
import { memberProcedure, viewerProcedure } from "../trpc";

export const catalogRouter = {
  baseModels: viewerProcedure.query(({ ctx }) => ctx.services.catalog.listBaseModels()),
  datasets: viewerProcedure.query(({ ctx }) => ctx.services.catalog.listDatasets()),
  /** The base models promoted from a run (none for a run never promoted, or one that does not exist). */
  promotedFrom: viewerProcedure
    .input(RunId)
    .query(({ ctx, input }) => ctx.services.catalog.baseModelsPromotedFrom(input.runId)),
  /** A succeeded run's model, cut before its classifier, becomes a base model with the run as its parent. */
  promoteRun: memberProcedure
    .input(PromoteRunInput)
    .mutation(({ ctx, input }) => ctx.services.catalogImport.promoteRun(input)),
} satisfies TRPCRouterRecord;
