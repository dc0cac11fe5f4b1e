import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import type { Principal, SessionUser } from "@tlab/core/access";
import { ANONYMOUS } from "@tlab/core/access";
import { createContextInner } from "../src/context";
import { appRouter } from "../src/root";
import type { Services } from "../src/services/create-services";

/**
 * Serves the tRPC API over real HTTP on a free loopback port, with the same fetch handler the
 * Next.js route uses, so benchmarks measure HTTP, JSON, validation and the database together.
 */
/**
 * Bearer `workerToken` acts as the bootstrap worker token and `userToken` as `user`'s personal
 * token; session and token-table lookups are the auth layer's and are not what this measures.
 */
export async function serveApi(
  services: Services,
  tokens: { workerToken: string; userToken: string; user: SessionUser },
): Promise<{ url: string; server: Server }> {
  const principalOf = (authorization: string | null): Principal =>
    authorization === `Bearer ${tokens.workerToken}`
      ? { kind: "worker", tokenId: null }
      : authorization === `Bearer ${tokens.userToken}`
        ? { kind: "user", user: tokens.user, via: "personal-token" }
        : ANONYMOUS;
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers = new Headers();
    for (const [key, value] of Object.entries(req.headers))
      if (typeof value === "string") headers.set(key, value);
    const request = new Request(`http://127.0.0.1${req.url ?? "/"}`, {
      method: req.method,
      headers,
      body: req.method === "GET" || req.method === "HEAD" ? undefined : Buffer.concat(chunks),
    });
    const response = await fetchRequestHandler({
      endpoint: "/api/trpc",
      req: request,
      router: appRouter,
      createContext: () =>
        createContextInner({
          services,
          principal: principalOf(request.headers.get("authorization")),
        }),
    });
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}
