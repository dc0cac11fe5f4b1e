import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { createContextInner } from "@tlab/api/context";
import { resolvePrincipal } from "@tlab/api/auth/request-principal";
import { errorIdOf } from "@tlab/api/error-id";
import { appRouter } from "@tlab/api/root";
import { getAppContext } from "@/server/app-context";
import { crossSiteRefusal } from "@/server/request-auth";
import { isUploadTooLarge, readBodyWithLimit } from "@/server/upload-body";

/** A refusal in tRPC's error shape, so the client shows the reason instead of a parse failure. */
function trpcRefusal(status: number, code: string, jsonRpcCode: number, message: string): Response {
  return Response.json(
    { error: { message, code: jsonRpcCode, data: { code, httpStatus: status, path: null } } },
    { status },
  );
}

async function handler(incoming: Request): Promise<Response> {
  const { env, services, requestAuth } = await getAppContext();
  // Mutations are POSTs: refused before anything runs when they come from another site.
  const crossSite = crossSiteRefusal(incoming, env);
  if (crossSite) {
    const { error } = (await crossSite.json()) as { error: string };
    return trpcRefusal(403, "FORBIDDEN", -32003, error);
  }
  // The body is read here, within its limit, so no request can make the server buffer more.
  let req = incoming;
  if (incoming.body) {
    try {
      const body = await readBodyWithLimit(incoming, {
        maxBytes: env.TLAB_MAX_API_BODY_BYTES,
        what: "an API request",
        setting: "TLAB_MAX_API_BODY_BYTES",
      });
      req = new Request(incoming.url, {
        method: incoming.method,
        headers: incoming.headers,
        body: body as Uint8Array<ArrayBuffer>,
        signal: incoming.signal,
      });
    } catch (error) {
      if (isUploadTooLarge(error))
        return trpcRefusal(413, "PAYLOAD_TOO_LARGE", -32013, error.message);
      throw error;
    }
  }
  const { principal, responseHeaders } = await resolvePrincipal(requestAuth, req.headers);
  return fetchRequestHandler({
    endpoint: "/api/trpc",
    req,
    router: appRouter,
    createContext: ({ resHeaders }) => {
      // A session that better-auth refreshed travels back as a new cookie.
      for (const cookie of responseHeaders?.getSetCookie() ?? [])
        resHeaders.append("set-cookie", cookie);
      return createContextInner({ services, principal });
    },
    onError({ error, path }) {
      // Client mistakes travel back to the caller; only server faults belong in the log.
      if (error.code === "INTERNAL_SERVER_ERROR")
        console.error(
          `[tlab] tRPC ${path ?? "?"} failed (error id ${errorIdOf(error)}):`,
          error.cause ?? error,
        );
    },
  });
}

export { handler as GET, handler as POST };
