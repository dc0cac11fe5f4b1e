import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { ApiTokenKind } from "@tlab/core/access";

/** Token text starts with its kind, so a person (and a secret scanner) can tell what leaked. */
export const TOKEN_PREFIX: Record<ApiTokenKind, string> = {
  personal: "tlab_pat_",
  worker: "tlab_wkr_",
};

/** How many leading characters are kept in the database to tell tokens apart in lists. */
const SHOWN_CHARS = 4;

/**
 * A new random token (32 bytes, base64url) and what is stored: its sha256 and a short prefix.
 * The token has 256 bits of entropy, so a fast hash is enough; a slow KDF protects guessable
 * passwords, not random keys.
 */
export function newTokenSecret(kind: ApiTokenKind): {
  token: string;
  tokenHash: string;
  prefix: string;
} {
  const token = `${TOKEN_PREFIX[kind]}${randomBytes(32).toString("base64url")}`;
  return {
    token,
    tokenHash: hashToken(token),
    prefix: token.slice(0, TOKEN_PREFIX[kind].length + SHOWN_CHARS),
  };
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/** Compares two secrets in constant time (for the bootstrap worker token from the environment). */
export function secretsEqual(given: string, expected: string): boolean {
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

/** The token of an `Authorization: Bearer <token>` header, or null. */
export function bearerToken(authorization: string | null | undefined): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
  return match ? match[1]! : null;
}
