import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { createContextInner } from "@tlab/api/context";
import { resolvePrincipal } from "@tlab/api/auth/request-principal";
import { appRouter } from "@tlab/api/root";
import { getAppContext } from "@/server/app-context";
import { crossSiteRefusal } from "@/server/request-auth";

async function handler(req: Request): Promise<Response> {
  const { env, services, requestAuth } = await getAppContext();
  // Mutations are POSTs: refused before anything runs when they come from another site.
  const crossSite = crossSiteRefusal(req, env);
  if (crossSite) {
    // In tRPC's error shape, so the client shows the reason instead of a parse failure.
    const { error } = (await crossSite.json()) as { error: string };
    return Response.json({ error: { message: error, code: -32003, data: { code: "FORBIDDEN", httpStatus: 403, path: null } } }, { status: 403 });
  }
  const { principal, responseHeaders } = await resolvePrincipal(requestAuth, req.headers);
  return fetchRequestHandler({
    endpoint: "/api/trpc",
    req,
    router: appRouter,
    createContext: ({ resHeaders }) => {
      // A session that better-auth refreshed travels back as a new cookie.
      for (const cookie of responseHeaders?.getSetCookie() ?? []) resHeaders.append("set-cookie", cookie);
      return createContextInner({ services, principal });
    },
    onError({ error, path }) {
      // Client mistakes travel back to the caller; only server faults belong in the log.
      if (error.code === "INTERNAL_SERVER_ERROR") console.error(`[tlab] tRPC ${path ?? "?"} failed:`, error.cause ?? error);
    },
  });
}

export { handler as GET, handler as POST };
