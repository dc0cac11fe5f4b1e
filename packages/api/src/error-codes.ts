import type { TRPCError } from "@trpc/server";
import type { DomainErrorCode } from "@tlab/core/errors";

/**
 * The one table from domain errors to transport codes: tRPC's middleware (trpc.ts) and the plain
 * route handlers (apps/web/src/server/http-errors.ts) both read it, so they cannot drift apart.
 */
export const DOMAIN_ERROR_CODES: Record<
  DomainErrorCode,
  { http: number; trpc: TRPCError["code"] }
> = {
  NOT_FOUND: { http: 404, trpc: "NOT_FOUND" },
  INVALID_INPUT: { http: 400, trpc: "BAD_REQUEST" },
  RUN_NOT_CLAIMED_BY_WORKER: { http: 409, trpc: "CONFLICT" },
  RUN_NOT_RUNNING: { http: 409, trpc: "CONFLICT" },
  RUN_ALREADY_FINISHED: { http: 409, trpc: "CONFLICT" },
  UNAUTHORIZED: { http: 401, trpc: "UNAUTHORIZED" },
  FORBIDDEN: { http: 403, trpc: "FORBIDDEN" },
  CONFLICT: { http: 409, trpc: "CONFLICT" },
};
