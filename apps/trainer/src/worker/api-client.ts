import { createTRPCClient, httpLink, TRPCClientError } from "@trpc/client";
import type { AppRouter } from "@tlab/api/root";

export type ApiClient = ReturnType<typeof createApiClient>;

/**
 * A typed tRPC client for the Transfer Lab API. The worker token, when given, is sent as a Bearer
 * token. A server that cannot be reached fails with an ApiUnreachableError naming its URL.
 */
export function createApiClient(apiUrl: string, token?: string) {
  return createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: new URL("/api/trpc", apiUrl).toString(),
        headers: () => (token ? { authorization: `Bearer ${token}` } : {}),
        fetch: (input, init) => fetchNamingApi(apiUrl, input, init),
      }),
    ],
  });
}

/**
 * fetch whose network failures say which API they tried and how to point elsewhere: undici's own
 * "fetch failed" names neither. Still a TypeError, so callers keep treating it as transient.
 */
export async function fetchNamingApi(
  apiUrl: string,
  input: string | URL | Request,
  init?: RequestInit,
): Promise<Response> {
  try {
    return await fetch(input, init);
  } catch (error) {
    if (error instanceof TypeError) throw new ApiUnreachableError(apiUrl, error);
    throw error; // an abort is the caller's own doing
  }
}

export class ApiUnreachableError extends TypeError {
  constructor(
    readonly apiUrl: string,
    cause: unknown,
  ) {
    super(
      `cannot reach the API at ${apiUrl} (${networkFailure(cause)}); is the server running? Point tlab at another one with TLAB_API_URL or --api-url`,
      {
        cause,
      },
    );
    this.name = "ApiUnreachableError";
  }
}

/** The reason under undici's "fetch failed": "connect ECONNREFUSED 127.0.0.1:3000", "getaddrinfo ENOTFOUND host". */
function networkFailure(error: unknown): string {
  const cause = error instanceof Error && error.cause !== undefined ? error.cause : error;
  if (cause instanceof AggregateError && !cause.message) return networkFailure(cause.errors[0]);
  if (cause instanceof Error)
    return cause.message || (cause as { code?: string }).code || cause.name;
  return String(cause);
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
  return (
    error instanceof TRPCClientError &&
    (error.data as { code?: string } | undefined)?.code === "CONFLICT"
  );
}

/** The artifact routes' answer (HTTP 409) for a run this worker no longer holds. */
export class RunNoLongerHeldError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RunNoLongerHeldError";
  }
}
