import { initTRPC, TRPCError } from "@trpc/server";
import { z, ZodError } from "zod";
import { isDomainError, type DomainErrorCode } from "@tlab/core/errors";
import type { Context } from "./context";

const t = initTRPC.context<Context>().create({
  errorFormatter({ shape, error }) {
    // Field errors travel with the response so the form and the CLI can name the bad field.
    const zodError = error.cause instanceof ZodError ? z.flattenError(error.cause) : null;
    return { ...shape, data: { ...shape.data, zodError } };
  },
});

const CODE_MAP: Record<DomainErrorCode, TRPCError["code"]> = {
  NOT_FOUND: "NOT_FOUND",
  INVALID_INPUT: "BAD_REQUEST",
  RUN_NOT_CLAIMED_BY_WORKER: "CONFLICT",
  RUN_NOT_RUNNING: "CONFLICT",
  RUN_ALREADY_FINISHED: "CONFLICT",
  UNAUTHORIZED: "UNAUTHORIZED",
};

/** The one place domain errors become tRPC errors. */
const mapDomainErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && isDomainError(result.error.cause)) {
    const cause = result.error.cause;
    throw new TRPCError({ code: CODE_MAP[cause.code], message: cause.message, cause });
  }
  return result;
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;
export const publicProcedure = t.procedure.use(mapDomainErrors);

/** Procedures only trainer workers call: they need the worker token as a Bearer credential. */
export const workerProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.auth.isWorker) throw new TRPCError({ code: "UNAUTHORIZED", message: "a valid worker token is required (Authorization: Bearer <TLAB_WORKER_TOKEN>)" });
  return next();
});
