/** Error codes the API maps to HTTP/tRPC codes in one place. */
export type DomainErrorCode =
  | "NOT_FOUND"
  | "INVALID_INPUT"
  | "RUN_NOT_CLAIMED_BY_WORKER"
  | "RUN_NOT_RUNNING"
  | "RUN_ALREADY_FINISHED"
  | "UNAUTHORIZED";

export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "DomainError";
  }
}
