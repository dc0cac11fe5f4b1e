import { describe, expect, it } from "vitest";
import { clientAddress, PEER_ADDRESS_HEADER, TrustedProxies } from "./client-address";

const headers = (peer: string | null, forwardedFor?: string) =>
  new Headers({
    ...(peer ? { [PEER_ADDRESS_HEADER]: peer } : {}),
    ...(forwardedFor ? { "x-forwarded-for": forwardedFor } : {}),
  });

describe("clientAddress", () => {
  it("ignores X-Forwarded-For unless proxies are trusted: rotating it does not change the address", () => {
    const none = new TrustedProxies([]);
    const seen = new Set(
      ["198.51.100.1", "198.51.100.2", "10.0.0.1, 198.51.100.3"].map((xff) =>
        clientAddress(headers("203.0.113.9", xff), none),
      ),
    );
    expect([...seen]).toEqual(["203.0.113.9"]);
    expect(clientAddress(headers("::ffff:203.0.113.9"), none)).toBe("203.0.113.9");
  });

  it("believes X-Forwarded-For only from a trusted proxy, reading hops from the right", () => {
    const trusted = new TrustedProxies(["127.0.0.1", "10.0.0.0/8"]);
    // Through the local proxy: the client it saw.
    expect(clientAddress(headers("127.0.0.1", "198.51.100.7"), trusted)).toBe("198.51.100.7");
    // A client's own forged hop on the left does not count: the proxy appended the real one.
    expect(clientAddress(headers("127.0.0.1", "1.2.3.4, 198.51.100.7"), trusted)).toBe(
      "198.51.100.7",
    );
    // Two trusted proxies in a row.
    expect(
      clientAddress(headers("::ffff:127.0.0.1", "1.2.3.4, 198.51.100.7, 10.1.2.3"), trusted),
    ).toBe("198.51.100.7");
    // A peer that is not a trusted proxy is the client, whatever it claims.
    expect(clientAddress(headers("203.0.113.9", "198.51.100.7"), trusted)).toBe("203.0.113.9");
    // A trusted proxy that sent no usable hop: the proxy is all we know.
    expect(clientAddress(headers("127.0.0.1"), trusted)).toBe("127.0.0.1");
    expect(clientAddress(headers("127.0.0.1", "not-an-ip"), trusted)).toBe("127.0.0.1");
  });

  it("answers null when the server did not record the peer", () => {
    expect(
      clientAddress(headers(null, "198.51.100.7"), new TrustedProxies(["127.0.0.1"])),
    ).toBeNull();
  });

  it("refuses entries that are not addresses or ranges, naming them", () => {
    expect(() => new TrustedProxies(["proxy.internal"])).toThrow(
      '"proxy.internal" is not an IP address or CIDR range',
    );
    expect(() => new TrustedProxies(["10.0.0.0/33"])).toThrow(
      '"10.0.0.0/33": the prefix length must be 0-32',
    );
    expect(new TrustedProxies(["::1", "fd00::/8"]).has("fd12::1")).toBe(true);
  });
});
