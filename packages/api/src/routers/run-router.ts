import type { TRPCRouterRecord } from "@trpc/server";
import { RunId } from "@tlab/core/run";
import { CompareRunsInput, RunTableInput } from "@tlab/core/table-queries";
import { AppendRunLogInput, RunLogPageInput } from "@tlab/core/run-log";
import { memberProcedure, viewerProcedure, workerProcedure } from "../trpc";

export const runRouter = {
  byId: viewerProcedure.input(RunId).query(({ ctx, input }) => ctx.services.runs.byId(input.runId)),
  metrics: viewerProcedure
    .input(RunId)
    .query(({ ctx, input }) => ctx.services.comparison.runSeries(input.runId)),
  /** A page of what the workers logged about the run, in (attempt, seq) order after `after`. */
  log: viewerProcedure
    .input(RunLogPageInput)
    .query(({ ctx, input }) => ctx.services.runLogs.page(input)),
  /** The worker holding the run appends its log lines; a batch sent again is stored once. */
  appendLog: workerProcedure
    .input(AppendRunLogInput)
    .mutation(({ ctx, input }) => ctx.services.runLogs.append(ctx.workerCredential, input)),
  cancel: memberProcedure
    .input(RunId)
    .mutation(({ ctx, input }) => ctx.services.runs.cancel(input.runId, ctx.user)),
  /** A failed or canceled run back in the queue, trained again from the start. */
  retry: memberProcedure
    .input(RunId)
    .mutation(({ ctx, input }) => ctx.services.runRetry.retry(input.runId, ctx.user)),
  /** The runs table across experiments: filters, search, sort and keyset pages. */
  table: viewerProcedure
    .input(RunTableInput)
    .query(({ ctx, input }) => ctx.services.runTable.page(input)),
  /** Any runs side by side, across experiments. */
  compare: viewerProcedure
    .input(CompareRunsInput)
    .query(({ ctx, input }) => ctx.services.runComparison.compare(input.runIds)),
} satisfies TRPCRouterRecord;
