import { z } from "zod";

/** What a webhook may subscribe to. `webhook.test` is sent only by "Send test event". */
export const WEBHOOK_EVENT_TYPES = ["experiment.finished", "decision.recorded"] as const;
export const WebhookEventType = z.enum(WEBHOOK_EVENT_TYPES, {
  error: `events: each must be one of ${WEBHOOK_EVENT_TYPES.join(", ")}`,
});
export type WebhookEventType = z.infer<typeof WebhookEventType>;
/** A webhook's subscriptions as stored (a JSON array in Webhook.events). */
export const WebhookEventList = z.array(WebhookEventType);
export type WebhookDeliveredType = WebhookEventType | "webhook.test";

export const MAX_WEBHOOK_URL_LENGTH = 2048;
export const MAX_WEBHOOK_DESCRIPTION_LENGTH = 200;
export const MIN_WEBHOOK_SECRET_LENGTH = 24;
export const MAX_WEBHOOK_SECRET_LENGTH = 256;
/** Receivers' response bodies are kept only as this many leading bytes. */
export const WEBHOOK_RESPONSE_EXCERPT_BYTES = 512;
/** A delivery's recorded error is cut to this many characters. */
export const WEBHOOK_ERROR_LENGTH = 300;

const id = (field: string) =>
  z
    .string({ error: `${field}: must be an id` })
    .min(1, `${field}: must be an id`)
    .max(64, `${field}: at most 64 characters`);

/**
 * http(s) only: the server POSTs to it. Private-network and loopback targets are allowed on
 * purpose (self-hosted receivers often run on the same host or LAN); only admins register them.
 */
export const WebhookUrl = z
  .string({ error: "url: must be an http:// or https:// URL" })
  .trim()
  .max(MAX_WEBHOOK_URL_LENGTH, `url: at most ${MAX_WEBHOOK_URL_LENGTH} characters`)
  .refine((text) => {
    try {
      const url = new URL(text);
      return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "";
    } catch {
      return false;
    }
  }, "url: must be an http:// or https:// URL, e.g. https://ci.example.com/hooks/tlab")
  .refine(
    (text) => !/^https?:\/\/[^/]*@/i.test(text),
    "url: must not carry a user name or password (use the secret to authenticate)",
  );

export const CreateWebhookInput = z.object({
  url: WebhookUrl,
  description: z
    .string({ error: "description: must be text" })
    .trim()
    .max(
      MAX_WEBHOOK_DESCRIPTION_LENGTH,
      `description: at most ${MAX_WEBHOOK_DESCRIPTION_LENGTH} characters`,
    )
    .default(""),
  events: z
    .array(WebhookEventType, { error: "events: must be a list of event types" })
    .min(1, `events: choose at least one of ${WEBHOOK_EVENT_TYPES.join(", ")}`)
    .max(WEBHOOK_EVENT_TYPES.length, "events: each event type once")
    .refine((events) => new Set(events).size === events.length, "events: each event type once"),
  /** Omitted: the server generates one (recommended). Either way it is shown once. */
  secret: z
    .string({ error: "secret: must be text" })
    .min(
      MIN_WEBHOOK_SECRET_LENGTH,
      `secret: at least ${MIN_WEBHOOK_SECRET_LENGTH} characters (or leave it empty to generate one)`,
    )
    .max(MAX_WEBHOOK_SECRET_LENGTH, `secret: at most ${MAX_WEBHOOK_SECRET_LENGTH} characters`)
    .regex(/^[\x21-\x7e]+$/, "secret: printable ASCII without spaces")
    .optional(),
});
export type CreateWebhookInput = z.input<typeof CreateWebhookInput>;

export const WebhookId = z.object({ id: id("id") });
export const SetWebhookEnabledInput = z.object({
  id: id("id"),
  enabled: z.boolean({ error: "enabled: must be true or false" }),
});
export const WebhookDeliveriesInput = z.object({
  webhookId: id("webhookId").optional(),
  limit: z
    .number({ error: "limit: must be a whole number from 1 to 200" })
    .int("limit: must be a whole number from 1 to 200")
    .min(1, "limit: must be a whole number from 1 to 200")
    .max(200, "limit: must be a whole number from 1 to 200")
    .default(50),
});
export type WebhookDeliveriesInput = z.input<typeof WebhookDeliveriesInput>;

export type WebhookDeliveryStatus = "pending" | "delivered" | "failed";

export interface WebhookDto {
  id: string;
  url: string;
  description: string;
  events: WebhookEventType[];
  enabled: boolean;
  createdAt: string;
  /** Deliveries by status, for the list. */
  counts: Record<WebhookDeliveryStatus, number>;
}

/** The create response: the only time the secret leaves the server. */
export interface CreatedWebhookDto {
  webhook: WebhookDto;
  secret: string;
}

export interface WebhookDeliveryDto {
  id: string;
  webhookId: string;
  webhookUrl: string;
  eventId: string;
  eventType: WebhookDeliveredType;
  status: WebhookDeliveryStatus;
  attempts: number;
  nextAttemptAt: string | null;
  lastAttemptAt: string | null;
  lastStatusCode: number | null;
  lastError: string | null;
  responseExcerpt: string | null;
  deliveredAt: string | null;
  createdAt: string;
}

/** The JSON body every delivery POSTs. `data` depends on `type`. */
export interface WebhookEnvelope {
  id: string;
  type: WebhookDeliveredType;
  createdAt: string;
  data: unknown;
}

/**
 * Retry schedule: attempt n (1-based) failed → wait base·2^(n-1), at most `maxDelayMs`, with up
 * to 20% jitter so a receiver that was down is not hit by every replica in the same instant.
 */
export function webhookRetryDelayMs(
  attempt: number,
  baseMs: number,
  maxDelayMs: number,
  random: () => number = Math.random,
): number {
  const exact = Math.min(maxDelayMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exact * (1 + 0.2 * random()));
}
