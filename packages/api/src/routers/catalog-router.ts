import type { TRPCRouterRecord } from "@trpc/server";
import { publicProcedure } from "../trpc";

export const catalogRouter = {
  baseModels: publicProcedure.query(({ ctx }) => ctx.services.catalog.listBaseModels()),
  datasets: publicProcedure.query(({ ctx }) => ctx.services.catalog.listDatasets()),
} satisfies TRPCRouterRecord;
