import { initTRPC, TRPCError } from "@trpc/server";
import { z, ZodError } from "zod";
import {
  decideAccess,
  workerCredential,
  type AccessLevel,
  type Principal,
  type SessionUser,
} from "@tlab/core/access";
import { isDomainError } from "@tlab/core/errors";
import { DOMAIN_ERROR_CODES } from "./error-codes";
import { storageFailureOf } from "@tlab/core/storage-failure";
import type { Context } from "./context";
import { errorIdOf, internalErrorMessage } from "./error-id";

/** Every procedure carries its access level; the router-wide test reads it and probes it. */
export interface ProcedureMeta {
  access: AccessLevel;
}

const t = initTRPC
  .context<Context>()
  .meta<ProcedureMeta>()
  .create({
    errorFormatter({ shape, error }) {
      // Field errors travel with the response so the form and the CLI can name the bad field:
      // flattened by top-level field, and each issue with its whole path ("strategies.1.learningRate").
      const zodError =
        error.cause instanceof ZodError
          ? {
              ...z.flattenError(error.cause),
              issues: error.cause.issues.map((issue) => ({
                path: issue.path.map(String).join("."),
                message: issue.message,
              })),
            }
          : null;
      // An unexpected error's message may hold query text, paths or stack frames: the caller gets
      // an error id, the route handler's onError logs the detail under the same id.
      if (shape.data.code === "INTERNAL_SERVER_ERROR") {
        const { stack: _stack, ...data } = shape.data;
        return {
          ...shape,
          message: internalErrorMessage(errorIdOf(error)),
          data: { ...data, zodError },
        };
      }
      return { ...shape, data: { ...shape.data, zodError } };
    },
  });

/** The one place domain errors become tRPC errors. */
const mapDomainErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && isDomainError(result.error.cause)) {
    const cause = result.error.cause;
    throw new TRPCError({
      code: DOMAIN_ERROR_CODES[cause.code].trpc,
      message: cause.message,
      cause,
    });
  }
  // A full or read-only disk under the database is the server's state, not a bug: say so (503).
  const storage = result.ok ? null : storageFailureOf(result.error.cause);
  if (storage)
    throw new TRPCError({
      code: "SERVICE_UNAVAILABLE",
      message: storage.message,
      cause: result.ok ? undefined : result.error.cause,
    });
  return result;
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

const baseProcedure = t.procedure.use(mapDomainErrors);

function refuse(principal: Principal, level: AccessLevel): void {
  const decision = decideAccess(principal, level);
  if (!decision.ok) throw new TRPCError({ code: decision.code, message: decision.message });
}

/**
 * Access levels. Each procedure starts from exactly one of these; the check runs before input
 * parsing, so a refused caller learns nothing about the input either.
 *
 * - publicProcedure: anyone. Only health and sign-in related procedures; the router-wide access
 *   test (access-levels.test.ts) lists each allowed public procedure by name and fails on others.
 * - viewerProcedure: any signed-in user (reads).
 * - memberProcedure: members and admins (launch, cancel, retry, comment, review).
 * - adminProcedure: admins (users, tokens of others, settings).
 * - workerProcedure: worker tokens only (claim, heartbeat, metrics, complete, ...).
 */
export const publicProcedure = baseProcedure.meta({ access: "public" });

function userProcedure(level: "viewer" | "member" | "admin") {
  return baseProcedure.meta({ access: level }).use(({ ctx, next }) => {
    refuse(ctx.principal, level);
    const user: SessionUser = (ctx.principal as Extract<Principal, { kind: "user" }>).user;
    return next({ ctx: { user } });
  });
}

export const viewerProcedure = userProcedure("viewer");
export const memberProcedure = userProcedure("member");
export const adminProcedure = userProcedure("admin");

/** Procedures only trainer workers call: they need a worker token as a Bearer credential. */
export const workerProcedure = baseProcedure.meta({ access: "worker" }).use(({ ctx, next }) => {
  refuse(ctx.principal, "worker");
  // The credential binds the workers it registers: only it may act as them (RunService.assertActsAs).
  return next({
    ctx: {
      workerCredential: workerCredential(ctx.principal as Extract<Principal, { kind: "worker" }>),
    },
  });
});
