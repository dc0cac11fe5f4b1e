import type { TRPCRouterRecord } from "@trpc/server";
import {
  ClaimInput,
  CompleteRunInput,
  FailRunInput,
  ReleaseRunInput,
  HeartbeatInput,
  ReportMetricsInput,
  WorkerInfo,
} from "@tlab/core/run";
import { viewerProcedure, workerProcedure } from "../trpc";

export const workerRouter = {
  register: workerProcedure
    .input(WorkerInfo)
    .mutation(({ ctx, input }) => ctx.services.runs.registerWorker(ctx.workerCredential, input)),
  claim: workerProcedure.input(ClaimInput).mutation(({ ctx, input }) =>
    ctx.services.runs.claim(ctx.workerCredential, input.workerId, {
      reclaim: input.reclaim === true,
    }),
  ),
  heartbeat: workerProcedure
    .input(HeartbeatInput)
    .mutation(({ ctx, input }) =>
      ctx.services.runs.heartbeat(
        ctx.workerCredential,
        input.workerId,
        input.runId,
        input.progress,
      ),
    ),
  reportMetrics: workerProcedure
    .input(ReportMetricsInput)
    .mutation(({ ctx, input }) =>
      ctx.services.runs.reportMetrics(
        ctx.workerCredential,
        input.workerId,
        input.runId,
        input.points,
        input.progress,
      ),
    ),
  complete: workerProcedure
    .input(CompleteRunInput)
    .mutation(({ ctx, input }) =>
      ctx.services.runs.complete(ctx.workerCredential, input.workerId, input.runId, input.metrics),
    ),
  fail: workerProcedure
    .input(FailRunInput)
    .mutation(({ ctx, input }) =>
      ctx.services.runs.fail(
        ctx.workerCredential,
        input.workerId,
        input.runId,
        input.reason,
        input.canceled,
      ),
    ),
  release: workerProcedure
    .input(ReleaseRunInput)
    .mutation(({ ctx, input }) =>
      ctx.services.runs.release(ctx.workerCredential, input.workerId, input.runId, input.reason),
    ),
  list: viewerProcedure.query(({ ctx }) => ctx.services.workers.list()),
} satisfies TRPCRouterRecord;
