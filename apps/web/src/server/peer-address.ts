import http from "node:http";
import { PEER_ADDRESS_HEADER } from "@tlab/api/auth/client-address";

let installed = false;

/**
 * Route handlers see a Fetch Request without its socket, and Next.js fills X-Forwarded-For from
 * the socket only when the client did not send one itself. So the server records each request's
 * TCP peer in PEER_ADDRESS_HEADER before Next.js reads the headers, replacing anything a client
 * sent under that name; the sign-in limits then decide whether X-Forwarded-For counts
 * (TLAB_TRUST_PROXY). Patched on the prototype: `next start` creates its server before
 * instrumentation runs, and the patch reaches it there.
 */
export function recordPeerAddresses(): void {
  if (installed) return;
  installed = true;
  const emit = http.Server.prototype.emit;
  http.Server.prototype.emit = function emitWithPeer(
    this: http.Server,
    event: string | symbol,
    ...args: unknown[]
  ): boolean {
    if (event === "request") {
      const req = args[0] as http.IncomingMessage;
      const peer = req.socket?.remoteAddress;
      if (peer) req.headers[PEER_ADDRESS_HEADER] = peer;
      else delete req.headers[PEER_ADDRESS_HEADER];
    }
    return emit.apply(this, [event, ...args] as Parameters<typeof emit>);
  } as typeof emit;
}
