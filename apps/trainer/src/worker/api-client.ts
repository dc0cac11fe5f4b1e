import { createTRPCClient, httpLink, TRPCClientError } from "@trpc/client";
import type { AppRouter } from "@tlab/api/root";

export type ApiClient = ReturnType<typeof createApiClient>;

/** A typed tRPC client for the Transfer Lab API. The worker token, when given, is sent as a Bearer token. */
export function createApiClient(apiUrl: string, token?: string) {
  return createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: new URL("/api/trpc", apiUrl).toString(),
        headers: () => (token ? { authorization: `Bearer ${token}` } : {}),
      }),
    ],
  });
}

/** True for failures worth retrying: the API is down, restarting or overloaded. */
export function isTransientApiError(error: unknown): boolean {
  if (error instanceof TRPCClientError) {
    const status = (error.data as { httpStatus?: number } | undefined)?.httpStatus;
    if (status === undefined) return true; // no HTTP response at all: connection refused, reset, DNS
    return status >= 500 || status === 429;
  }
  return error instanceof TypeError; // fetch network failures
}

/**
 * True when the API refused a call about a run because this worker no longer holds it: its lease
 * expired and the sweeper requeued it (another worker may be training it already).
 */
export function isRunNoLongerHeld(error: unknown): boolean {
  if (error instanceof RunNoLongerHeldError) return true;
  return error instanceof TRPCClientError && (error.data as { code?: string } | undefined)?.code === "CONFLICT";
}

/** The artifact routes' answer (HTTP 409) for a run this worker no longer holds. */
export class RunNoLongerHeldError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RunNoLongerHeldError";
  }
}
