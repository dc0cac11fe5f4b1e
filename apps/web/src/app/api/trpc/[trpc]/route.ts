import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { createContextInner, isWorkerToken } from "@tlab/api/context";
import { appRouter } from "@tlab/api/root";
import { getAppContext } from "@/server/app-context";

async function handler(req: Request): Promise<Response> {
  const { env, services } = await getAppContext();
  return fetchRequestHandler({
    endpoint: "/api/trpc",
    req,
    router: appRouter,
    createContext: () =>
      createContextInner({ services, isWorker: isWorkerToken(req.headers.get("authorization"), env.TLAB_WORKER_TOKEN) }),
    onError({ error, path }) {
      // Client mistakes travel back to the caller; only server faults belong in the log.
      if (error.code === "INTERNAL_SERVER_ERROR") console.error(`[tlab] tRPC ${path ?? "?"} failed:`, error.cause ?? error);
    },
  });
}

export { handler as GET, handler as POST };
