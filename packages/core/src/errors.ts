/** Error codes the API maps to HTTP/tRPC codes in one place: packages/api/src/error-codes.ts. */
export type DomainErrorCode =
  | "NOT_FOUND"
  | "INVALID_INPUT"
  | "RUN_NOT_CLAIMED_BY_WORKER"
  | "RUN_NOT_RUNNING"
  | "RUN_ALREADY_FINISHED"
  | "UNAUTHORIZED"
  | "FORBIDDEN"
  /** The write was based on data someone else changed since (e.g. a run note edited in between). */
  | "CONFLICT";

export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "DomainError";
  }
}

/**
 * Recognises a DomainError by shape, not `instanceof`: Next.js bundles route modules separately,
 * each with its own copy of this class, so an error thrown in one graph fails `instanceof` in another.
 */
export function isDomainError(error: unknown): error is DomainError {
  return (
    error instanceof Error &&
    error.name === "DomainError" &&
    typeof (error as { code?: unknown }).code === "string"
  );
}
