import { BlockList, isIP } from "node:net";

/**
 * The TCP peer of a request, set by the web server itself (apps/web's peer-address.ts) on every
 * request, replacing any value a client sent; Next.js route handlers see no socket.
 */
export const PEER_ADDRESS_HEADER = "x-tlab-peer-address";
/** The client address the sign-in limits count by: set from `clientAddress` before better-auth runs. */
export const CLIENT_ADDRESS_HEADER = "x-tlab-client-address";

/** TLAB_TRUST_PROXY parsed: the proxies whose X-Forwarded-For is believed. Empty: none is. */
export class TrustedProxies {
  private readonly list = new BlockList();
  readonly size: number;

  /** `entries`: IP addresses or CIDR ranges ("127.0.0.1", "10.0.0.0/8", "::1"); throws naming a bad one. */
  constructor(entries: readonly string[]) {
    for (const entry of entries) {
      const [address = "", prefix] = entry.split("/");
      const family = isIP(address);
      if (family === 0)
        throw new Error(
          `"${entry}" is not an IP address or CIDR range (e.g. 127.0.0.1 or 10.0.0.0/8)`,
        );
      const type = family === 4 ? "ipv4" : "ipv6";
      if (prefix === undefined) {
        this.list.addAddress(address, type);
        continue;
      }
      const bits = Number(prefix);
      if (!/^\d+$/.test(prefix) || bits > (family === 4 ? 32 : 128))
        throw new Error(`"${entry}": the prefix length must be 0-${family === 4 ? 32 : 128}`);
      this.list.addSubnet(address, bits, type);
    }
    this.size = entries.length;
  }

  has(address: string): boolean {
    const family = isIP(address);
    return family !== 0 && this.list.check(address, family === 4 ? "ipv4" : "ipv6");
  }
}

/** "::ffff:192.0.2.1" (an IPv4 client of a dual-stack socket) is 192.0.2.1. */
function normalize(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? mapped[1]! : address.toLowerCase();
}

/**
 * Who sent the request, for per-address limits. X-Forwarded-For is anyone's to write, so it counts
 * only when the TCP peer is a configured proxy; then its hops are read from the right (nearest
 * proxy first) and the first one that is not itself a trusted proxy is the client. Without
 * trusted proxies, or from any other peer, the peer is the client. null: the peer is unknown.
 */
export function clientAddress(headers: Headers, trusted: TrustedProxies): string | null {
  const peerHeader = headers.get(PEER_ADDRESS_HEADER)?.trim();
  if (!peerHeader || isIP(normalize(peerHeader)) === 0) return null;
  let client = normalize(peerHeader);
  if (trusted.size === 0 || !trusted.has(client)) return client;
  const hops = (headers.get("x-forwarded-for") ?? "")
    .split(",")
    .map((hop) => normalize(hop.trim()));
  while (trusted.has(client) && hops.length > 0) {
    const hop = hops.pop()!;
    // A malformed hop: stop at the last address a trusted proxy vouched for.
    if (isIP(hop) === 0) break;
    client = hop;
  }
  return client;
}
