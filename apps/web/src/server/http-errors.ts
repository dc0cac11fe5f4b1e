import { errorIdOf, internalErrorMessage } from "@tlab/api/error-id";
import { DOMAIN_ERROR_CODES } from "@tlab/api/error-codes";
import { isDomainError } from "@tlab/core/errors";
import { storageFailureOf } from "@tlab/core/storage-failure";

export function jsonError(status: number, error: string, headers?: HeadersInit): Response {
  return Response.json({ error }, { status, headers });
}

/** Turns a thrown error into a JSON response; unexpected errors are logged and stay opaque. */
export function errorResponse(error: unknown, what: string): Response {
  if (isDomainError(error)) return jsonError(DOMAIN_ERROR_CODES[error.code].http, error.message);
  const storage = storageFailureOf(error);
  if (storage) {
    console.error(`[tlab] ${what} failed: ${storage.message}`, error);
    return jsonError(storage.status, `${what} failed: ${storage.message}`);
  }
  const id = errorIdOf(error instanceof Object ? error : { error });
  console.error(`[tlab] ${what} failed (error id ${id}):`, error);
  return jsonError(500, `${what} failed: ${internalErrorMessage(id)}`);
}
