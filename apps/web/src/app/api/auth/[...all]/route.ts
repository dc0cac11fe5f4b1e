import { CLIENT_ADDRESS_HEADER, clientAddress } from "@tlab/api/auth/client-address";
import { getAppContext } from "@/server/app-context";

export const dynamic = "force-dynamic";

/**
 * better-auth's endpoints: sign-in, sign-up, sign-out, session (with its own Origin check and rate
 * limit). Its per-address limit counts by CLIENT_ADDRESS_HEADER, set here from the TCP peer, or
 * from X-Forwarded-For when the peer is a proxy named in TLAB_TRUST_PROXY; a client's own value of
 * either header never counts.
 */
async function handler(req: Request): Promise<Response> {
  const { auth, env } = await getAppContext();
  const headers = new Headers(req.headers);
  headers.delete(CLIENT_ADDRESS_HEADER);
  const address = clientAddress(req.headers, env.TLAB_TRUST_PROXY);
  if (address) headers.set(CLIENT_ADDRESS_HEADER, address);
  const body = req.method === "GET" || req.method === "HEAD" ? undefined : await req.arrayBuffer();
  return auth.handler(
    new Request(req.url, { method: req.method, headers, body, signal: req.signal }),
  );
}

export { handler as GET, handler as POST };
