import { randomUUID } from "node:crypto";
import { DomainError } from "@tlab/core/errors";
import {
  CreateWebhookInput,
  WEBHOOK_ERROR_LENGTH,
  WEBHOOK_RESPONSE_EXCERPT_BYTES,
  webhookRetryDelayMs,
  type CreatedWebhookDto,
  type WebhookDeliveriesInput,
  type WebhookDeliveryDto,
  type WebhookDto,
} from "@tlab/core/webhook";
import type {
  ClaimedDelivery,
  DeliveryOutcome,
  PrunedCounts,
  WebhookRepository,
} from "@tlab/db/repositories/webhook-repository";
import { httpWebhookSender, type WebhookSender } from "../webhooks/http-webhook-sender";
import { newWebhookSecret, WebhookSecretBox } from "../webhooks/webhook-secret-box";
import { signWebhook, WEBHOOK_HEADERS } from "../webhooks/webhook-signature";

export interface WebhookDeliveryOptions {
  /** The server's TLAB_AUTH_SECRET: webhook secrets are sealed under a key derived from it. */
  secretKey?: string;
  sender?: WebhookSender;
  /** Wait after the first failed attempt; doubled after each further one. */
  retryBaseMs?: number;
  retryMaxDelayMs?: number;
  /** Attempts in all, the first included; then the delivery is failed for good. */
  maxAttempts?: number;
  /** One request, connection to response excerpt. */
  timeoutMs?: number;
  /** Deliveries one loop pass claims (and sends in parallel). */
  batchSize?: number;
  now?: () => Date;
}

export const WEBHOOK_DEFAULTS = {
  retryBaseMs: 30_000,
  retryMaxDelayMs: 3_600_000,
  maxAttempts: 8,
  timeoutMs: 10_000,
  batchSize: 10,
} as const;

/** Delivered and failed deliveries (and their events) are kept this long for the Settings list. */
export const WEBHOOK_RETENTION_DAYS = 30;

/** A claim outlives the request by this much, so a slow answer is not claimed twice. */
const CLAIM_MARGIN_MS = 30_000;

/**
 * Webhooks (admin): registration, listing, test events, and delivering the outbox. Events are
 * written by the changes that cause them (webhook-outbox.ts, in the same transaction); this
 * service only sends them: signed, bounded in time, retried with exponential backoff, at least
 * once (a sender that dies after the receiver answered but before recording it leads to a second
 * attempt with the same idempotency key).
 */
export class WebhookService {
  private readonly sender: WebhookSender;
  private readonly now: () => Date;
  private readonly settings: Record<keyof typeof WEBHOOK_DEFAULTS, number>;
  private box: WebhookSecretBox | undefined;

  constructor(
    private readonly webhooks: WebhookRepository,
    private readonly options: WebhookDeliveryOptions = {},
  ) {
    this.sender = options.sender ?? httpWebhookSender;
    this.now = options.now ?? (() => new Date());
    this.settings = {
      retryBaseMs: options.retryBaseMs ?? WEBHOOK_DEFAULTS.retryBaseMs,
      retryMaxDelayMs: options.retryMaxDelayMs ?? WEBHOOK_DEFAULTS.retryMaxDelayMs,
      maxAttempts: options.maxAttempts ?? WEBHOOK_DEFAULTS.maxAttempts,
      timeoutMs: options.timeoutMs ?? WEBHOOK_DEFAULTS.timeoutMs,
      batchSize: options.batchSize ?? WEBHOOK_DEFAULTS.batchSize,
    };
  }

  private secretBox(): WebhookSecretBox {
    if (!this.options.secretKey)
      throw new Error("webhooks need the server's TLAB_AUTH_SECRET to seal their secrets");
    this.box ??= new WebhookSecretBox(this.options.secretKey);
    return this.box;
  }

  /** The secret (given, or generated) is in this response only. */
  async create(input: CreateWebhookInput): Promise<CreatedWebhookDto> {
    const parsed = CreateWebhookInput.parse(input);
    const secret = parsed.secret ?? newWebhookSecret();
    const webhook = await this.webhooks.create({
      url: parsed.url,
      description: parsed.description,
      events: parsed.events,
      secretEncrypted: this.secretBox().seal(secret),
    });
    return { webhook, secret };
  }

  list(): Promise<WebhookDto[]> {
    return this.webhooks.list();
  }

  deliveries(input: WebhookDeliveriesInput): Promise<WebhookDeliveryDto[]> {
    return this.webhooks.deliveries(input.webhookId, input.limit ?? 50);
  }

  async setEnabled(id: string, enabled: boolean): Promise<WebhookDto> {
    if (!(await this.webhooks.setEnabled(id, enabled)))
      throw new DomainError("NOT_FOUND", `id: no webhook "${id}"`);
    return (await this.webhooks.byId(id))!;
  }

  async remove(id: string): Promise<void> {
    if (!(await this.webhooks.delete(id)))
      throw new DomainError("NOT_FOUND", `id: no webhook "${id}"`);
  }

  /** Queues a `webhook.test` event for this webhook; the delivery loop sends it like any other. */
  async sendTest(id: string): Promise<{ eventId: string }> {
    const webhook = await this.webhooks.byId(id);
    if (!webhook) throw new DomainError("NOT_FOUND", `id: no webhook "${id}"`);
    if (!webhook.enabled)
      throw new DomainError("CONFLICT", "id: this webhook is disabled; enable it to test it");
    const at = this.now();
    const eventId = await this.webhooks.enqueueTest(id, at, {
      webhook: { id: webhook.id, url: webhook.url },
      message: "A test event from Transfer Lab.",
      sentAt: at.toISOString(),
    });
    if (!eventId) throw new DomainError("NOT_FOUND", `id: no webhook "${id}"`);
    return { eventId };
  }

  /**
   * One pass of the delivery loop: claims due deliveries (each by exactly one replica) and
   * sends them in parallel. Returns what happened, for the log.
   */
  async deliverDue(): Promise<{ delivered: number; retrying: number; failed: number }> {
    const now = this.now();
    const claimed = await this.webhooks.claimDue(
      now,
      new Date(now.getTime() + this.settings.timeoutMs + CLAIM_MARGIN_MS),
      this.settings.batchSize,
      randomUUID,
    );
    const outcomes = await Promise.all(claimed.map((delivery) => this.deliver(delivery)));
    return {
      delivered: outcomes.filter((o) => o.delivered).length,
      retrying: outcomes.filter((o) => !o.delivered && o.retryAt).length,
      failed: outcomes.filter((o) => !o.delivered && !o.retryAt).length,
    };
  }

  /** Forgets settled deliveries older than the retention period; the delivery loop calls it now and then. */
  pruneSettled(): Promise<PrunedCounts> {
    return this.webhooks.pruneSettled(
      new Date(this.now().getTime() - WEBHOOK_RETENTION_DAYS * 86_400_000),
    );
  }

  private async deliver(delivery: ClaimedDelivery): Promise<DeliveryOutcome> {
    const outcome = await this.attempt(delivery);
    await this.webhooks.recordOutcome(delivery.id, delivery.claimToken, this.now(), outcome);
    return outcome;
  }

  private async attempt(delivery: ClaimedDelivery): Promise<DeliveryOutcome> {
    const failure = (
      error: string,
      statusCode: number | null,
      responseExcerpt: string | null,
      retry = true,
    ): DeliveryOutcome => ({
      delivered: false,
      statusCode,
      responseExcerpt,
      error: error.slice(0, WEBHOOK_ERROR_LENGTH),
      retryAt:
        retry && delivery.attempts < this.settings.maxAttempts
          ? new Date(
              this.now().getTime() +
                webhookRetryDelayMs(
                  delivery.attempts,
                  this.settings.retryBaseMs,
                  this.settings.retryMaxDelayMs,
                ),
            )
          : null,
    });
    let secret: string;
    try {
      secret = this.secretBox().open(delivery.webhook.secretEncrypted);
    } catch (error) {
      return failure((error as Error).message, null, null, false);
    }
    const { event } = delivery;
    // The stored payload is spliced in as written, so every attempt sends the same bytes.
    const body = `{"id":${JSON.stringify(event.id)},"type":${JSON.stringify(event.type)},"createdAt":${JSON.stringify(event.createdAt.toISOString())},"data":${event.payload}}`;
    const timestamp = Math.floor(this.now().getTime() / 1000);
    try {
      const response = await this.sender({
        url: delivery.webhook.url,
        body,
        timeoutMs: this.settings.timeoutMs,
        excerptBytes: WEBHOOK_RESPONSE_EXCERPT_BYTES,
        headers: {
          [WEBHOOK_HEADERS.signature]: signWebhook(secret, timestamp, body),
          [WEBHOOK_HEADERS.timestamp]: String(timestamp),
          [WEBHOOK_HEADERS.event]: event.type,
          [WEBHOOK_HEADERS.eventId]: event.id,
          [WEBHOOK_HEADERS.delivery]: delivery.id,
          [WEBHOOK_HEADERS.idempotencyKey]: delivery.id,
        },
      });
      const excerpt = response.excerpt === "" ? null : response.excerpt;
      if (response.statusCode >= 200 && response.statusCode < 300)
        return { delivered: true, statusCode: response.statusCode, responseExcerpt: excerpt };
      if (response.statusCode >= 300 && response.statusCode < 400)
        return failure(
          `the receiver answered ${response.statusCode}, a redirect${response.location ? ` to ${response.location}` : ""}; redirects are not followed (register the final URL)`,
          response.statusCode,
          excerpt,
        );
      return failure(`the receiver answered ${response.statusCode}`, response.statusCode, excerpt);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      return failure(
        `request failed: ${(error as Error).message}${code && !(error as Error).message.includes(code) ? ` (${code})` : ""}`,
        null,
        null,
      );
    }
  }
}
