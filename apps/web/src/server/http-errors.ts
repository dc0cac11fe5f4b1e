import { errorIdOf, internalErrorMessage } from "@tlab/api/error-id";
import { isDomainError, type DomainErrorCode } from "@tlab/core/errors";
import { storageFailureOf } from "@tlab/core/storage-failure";

/** The HTTP status of each domain error, for the plain route handlers (tRPC maps its own). */
const STATUS: Record<DomainErrorCode, number> = {
  NOT_FOUND: 404,
  INVALID_INPUT: 400,
  RUN_NOT_CLAIMED_BY_WORKER: 409,
  RUN_NOT_RUNNING: 409,
  RUN_ALREADY_FINISHED: 409,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  CONFLICT: 409,
};

export function jsonError(status: number, error: string, headers?: HeadersInit): Response {
  return Response.json({ error }, { status, headers });
}

/** Turns a thrown error into a JSON response; unexpected errors are logged and stay opaque. */
export function errorResponse(error: unknown, what: string): Response {
  if (isDomainError(error)) return jsonError(STATUS[error.code], error.message);
  const storage = storageFailureOf(error);
  if (storage) {
    console.error(`[tlab] ${what} failed: ${storage.message}`, error);
    return jsonError(storage.status, `${what} failed: ${storage.message}`);
  }
  const id = errorIdOf(error instanceof Object ? error : { error });
  console.error(`[tlab] ${what} failed (error id ${id}):`, error);
  return jsonError(500, `${what} failed: ${internalErrorMessage(id)}`);
}
