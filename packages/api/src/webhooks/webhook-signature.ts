import { createHmac, timingSafeEqual } from "node:crypto";

/** Headers of every delivery. The signature covers the timestamp and the raw body. */
export const WEBHOOK_HEADERS = {
  signature: "x-tlab-signature",
  timestamp: "x-tlab-timestamp",
  event: "x-tlab-event",
  eventId: "x-tlab-event-id",
  delivery: "x-tlab-delivery",
  idempotencyKey: "idempotency-key",
} as const;

/**
 * `sha256=<hex>` of HMAC-SHA256(secret, "<timestamp>.<raw body>"), timestamp in Unix seconds.
 * Signing the timestamp with the body lets a receiver refuse an old request replayed verbatim.
 */
export function signWebhook(secret: string, timestamp: number, rawBody: string): string {
  const mac = createHmac("sha256", secret).update(`${timestamp}.${rawBody}`, "utf8").digest("hex");
  return `sha256=${mac}`;
}

/**
 * What a receiver does: recompute and compare in constant time, and refuse timestamps further
 * than `toleranceSeconds` from its clock.
 */
export function verifyWebhookSignature(input: {
  secret: string;
  rawBody: string;
  signature: string | undefined;
  timestamp: string | undefined;
  nowSeconds?: number;
  toleranceSeconds?: number;
}): boolean {
  const timestamp = Number(input.timestamp);
  if (!input.signature || !Number.isInteger(timestamp)) return false;
  const now = input.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - timestamp) > (input.toleranceSeconds ?? 300)) return false;
  const expected = Buffer.from(signWebhook(input.secret, timestamp, input.rawBody));
  const given = Buffer.from(input.signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
