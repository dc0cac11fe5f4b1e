import {
  WebhookEventList,
  type WebhookEventType,
  type WebhookDeliveredType,
  type WebhookDeliveryDto,
  type WebhookDeliveryStatus,
  type WebhookDto,
} from "@tlab/core/webhook";
import type { Db, DbProvider } from "../client";
import { parseJsonColumn } from "../json";
import { enqueueWebhookEvent } from "./webhook-outbox";

/** A delivery this sender holds until `nextAttemptAt` (its claim), with what it needs to send. */
export interface ClaimedDelivery {
  id: string;
  claimToken: string;
  /** Including this one. */
  attempts: number;
  webhook: { id: string; url: string; secretEncrypted: string };
  event: { id: string; type: WebhookDeliveredType; createdAt: Date; payload: string };
}

export type DeliveryOutcome =
  | { delivered: true; statusCode: number; responseExcerpt: string | null }
  | {
      delivered: false;
      statusCode: number | null;
      error: string;
      responseExcerpt: string | null;
      /** null: no attempt left, the delivery is failed for good. */
      retryAt: Date | null;
    };

const DELIVERY_SELECT = {
  id: true,
  webhookId: true,
  eventId: true,
  status: true,
  attempts: true,
  nextAttemptAt: true,
  lastAttemptAt: true,
  lastStatusCode: true,
  lastError: true,
  responseExcerpt: true,
  deliveredAt: true,
  createdAt: true,
  webhook: { select: { url: true } },
  event: { select: { type: true } },
} as const;

/** Webhooks, their outbox deliveries, and the claims the delivery loop takes on them. */
export class WebhookRepository {
  constructor(
    private readonly db: Db,
    private readonly provider: DbProvider,
  ) {}

  async create(input: {
    url: string;
    description: string;
    events: WebhookEventType[];
    secretEncrypted: string;
  }): Promise<WebhookDto> {
    const row = await this.db.webhook.create({
      data: { ...input, events: JSON.stringify(input.events) },
      select: { id: true },
    });
    return (await this.byId(row.id))!;
  }

  async byId(id: string): Promise<WebhookDto | null> {
    return (await this.list(id))[0] ?? null;
  }

  /** Newest first, with their deliveries counted by status. Never the secret. */
  async list(onlyId?: string): Promise<WebhookDto[]> {
    const rows = await this.db.webhook.findMany({
      where: onlyId ? { id: onlyId } : {},
      select: {
        id: true,
        url: true,
        description: true,
        events: true,
        enabled: true,
        createdAt: true,
      },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take: 200,
    });
    const groups = await this.db.webhookDelivery.groupBy({
      by: ["webhookId", "status"],
      where: { webhookId: { in: rows.map((r) => r.id) } },
      _count: { _all: true },
    });
    return rows.map((r) => {
      const counts: Record<WebhookDeliveryStatus, number> = { pending: 0, delivered: 0, failed: 0 };
      for (const g of groups)
        if (g.webhookId === r.id) counts[g.status as WebhookDeliveryStatus] = g._count._all;
      return {
        id: r.id,
        url: r.url,
        description: r.description,
        events: parseJsonColumn(WebhookEventList, r.events, "Webhook.events"),
        enabled: r.enabled,
        createdAt: r.createdAt.toISOString(),
        counts,
      };
    });
  }

  async setEnabled(id: string, enabled: boolean): Promise<boolean> {
    return (await this.db.webhook.updateMany({ where: { id }, data: { enabled } })).count === 1;
  }

  /** Its deliveries go with it. */
  async delete(id: string): Promise<boolean> {
    return (await this.db.webhook.deleteMany({ where: { id } })).count === 1;
  }

  /** A `webhook.test` event for this webhook only, through the same outbox as real events. */
  async enqueueTest(webhookId: string, at: Date, data: unknown): Promise<string | null> {
    return this.db.$transaction(async (tx) => {
      const queued = await enqueueWebhookEvent(tx, {
        type: "webhook.test",
        subjectId: webhookId,
        at,
        data,
        onlyWebhookId: webhookId,
      });
      return queued?.eventId ?? null;
    });
  }

  /** Newest first. */
  async deliveries(webhookId: string | undefined, limit: number): Promise<WebhookDeliveryDto[]> {
    const rows = await this.db.webhookDelivery.findMany({
      where: webhookId ? { webhookId } : {},
      select: DELIVERY_SELECT,
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take: limit,
    });
    return rows.map(toDeliveryDto);
  }

  async deliveryById(id: string): Promise<WebhookDeliveryDto | null> {
    const row = await this.db.webhookDelivery.findUnique({
      where: { id },
      select: DELIVERY_SELECT,
    });
    return row ? toDeliveryDto(row) : null;
  }

  /**
   * Claims up to `limit` due deliveries of enabled webhooks: each goes to exactly one claimer,
   * which holds it until `claimUntil` (past the request's timeout). A claimer that dies leaves
   * it due again at `claimUntil`, so a crash delays a delivery but never loses it. The claim
   * counts as an attempt, so a delivery that keeps crashing its sender still runs out of them.
   */
  async claimDue(
    now: Date,
    claimUntil: Date,
    limit: number,
    newToken: () => string,
  ): Promise<ClaimedDelivery[]> {
    const ids =
      this.provider === "postgresql"
        ? await this.claimLocked(now, claimUntil, limit, newToken)
        : await this.claimConditionally(now, claimUntil, limit, newToken);
    if (ids.length === 0) return [];
    const rows = await this.db.webhookDelivery.findMany({
      where: { id: { in: ids.map((c) => c.id) } },
      select: {
        id: true,
        attempts: true,
        webhook: { select: { id: true, url: true, secretEncrypted: true } },
        event: { select: { id: true, type: true, createdAt: true, payload: true } },
      },
    });
    return rows.map((row) => ({
      id: row.id,
      claimToken: ids.find((c) => c.id === row.id)!.claimToken,
      attempts: row.attempts,
      webhook: row.webhook,
      event: { ...row.event, type: row.event.type as WebhookDeliveredType },
    }));
  }

  /**
   * PostgreSQL: lock due rows with FOR UPDATE SKIP LOCKED and claim them in the same transaction:
   * replicas polling at once each take different deliveries instead of waiting on each other.
   */
  private async claimLocked(
    now: Date,
    claimUntil: Date,
    limit: number,
    newToken: () => string,
  ): Promise<{ id: string; claimToken: string }[]> {
    return this.db.$transaction(async (tx) => {
      const due = await tx.$queryRaw<{ id: string }[]>`
        SELECT d."id" FROM "WebhookDelivery" d
        JOIN "Webhook" w ON w."id" = d."webhookId"
        WHERE d."status" = 'pending' AND d."nextAttemptAt" <= ${now} AND w."enabled" = true
        ORDER BY d."nextAttemptAt" ASC, d."id" ASC
        LIMIT ${limit} FOR UPDATE OF d SKIP LOCKED`;
      const claimed: { id: string; claimToken: string }[] = [];
      for (const { id } of due) {
        const claimToken = newToken();
        await tx.webhookDelivery.update({
          where: { id },
          data: {
            claimToken,
            nextAttemptAt: claimUntil,
            lastAttemptAt: now,
            attempts: { increment: 1 },
          },
          select: { id: true },
        });
        claimed.push({ id, claimToken });
      }
      return claimed;
    });
  }

  /**
   * SQLite: the conditional update (still pending and due) is the atomic step, as SQLite runs
   * one write at a time: two claimers racing for a row cannot both win; the loser skips it.
   */
  private async claimConditionally(
    now: Date,
    claimUntil: Date,
    limit: number,
    newToken: () => string,
  ): Promise<{ id: string; claimToken: string }[]> {
    const due = await this.db.webhookDelivery.findMany({
      where: { status: "pending", nextAttemptAt: { lte: now }, webhook: { enabled: true } },
      orderBy: [{ nextAttemptAt: "asc" }, { id: "asc" }],
      select: { id: true },
      take: limit,
    });
    const claimed: { id: string; claimToken: string }[] = [];
    for (const { id } of due) {
      const claimToken = newToken();
      const won = await this.db.webhookDelivery.updateMany({
        where: { id, status: "pending", nextAttemptAt: { lte: now } },
        data: {
          claimToken,
          nextAttemptAt: claimUntil,
          lastAttemptAt: now,
          attempts: { increment: 1 },
        },
      });
      if (won.count === 1) claimed.push({ id, claimToken });
    }
    return claimed;
  }

  /**
   * Deletes delivered and failed deliveries created before `cutoff`, then events created before it
   * that no delivery refers to any more. Pending deliveries are kept, however old.
   */
  async pruneSettled(cutoff: Date): Promise<PrunedCounts> {
    const deliveries = await this.db.webhookDelivery.deleteMany({
      where: { status: { in: ["delivered", "failed"] }, createdAt: { lt: cutoff } },
    });
    const events = await this.db.webhookEvent.deleteMany({
      where: { createdAt: { lt: cutoff }, deliveries: { none: {} } },
    });
    return { deliveries: deliveries.count, events: events.count };
  }

  /**
   * Records an attempt's outcome, only while `claimToken` still holds the delivery: a sender
   * whose claim ran out (and was taken over) changes nothing. False when it no longer held it.
   */
  async recordOutcome(
    id: string,
    claimToken: string,
    at: Date,
    outcome: DeliveryOutcome,
  ): Promise<boolean> {
    const data = outcome.delivered
      ? {
          status: "delivered",
          deliveredAt: at,
          lastStatusCode: outcome.statusCode,
          lastError: null,
          responseExcerpt: outcome.responseExcerpt,
          claimToken: null,
        }
      : {
          status: outcome.retryAt ? "pending" : "failed",
          nextAttemptAt: outcome.retryAt ?? at,
          lastStatusCode: outcome.statusCode,
          lastError: outcome.error,
          responseExcerpt: outcome.responseExcerpt,
          claimToken: null,
        };
    const updated = await this.db.webhookDelivery.updateMany({
      where: { id, claimToken, status: "pending" },
      data,
    });
    return updated.count === 1;
  }
}

/** Rows of a settled history older than a cutoff, deleted by `pruneSettled`. */
export interface PrunedCounts {
  deliveries: number;
  events: number;
}

function toDeliveryDto(row: {
  id: string;
  webhookId: string;
  eventId: string;
  status: string;
  attempts: number;
  nextAttemptAt: Date;
  lastAttemptAt: Date | null;
  lastStatusCode: number | null;
  lastError: string | null;
  responseExcerpt: string | null;
  deliveredAt: Date | null;
  createdAt: Date;
  webhook: { url: string };
  event: { type: string };
}): WebhookDeliveryDto {
  const status = row.status as WebhookDeliveryStatus;
  return {
    id: row.id,
    webhookId: row.webhookId,
    webhookUrl: row.webhook.url,
    eventId: row.eventId,
    eventType: row.event.type as WebhookDeliveredType,
    status,
    attempts: row.attempts,
    nextAttemptAt: status === "pending" ? row.nextAttemptAt.toISOString() : null,
    lastAttemptAt: row.lastAttemptAt?.toISOString() ?? null,
    lastStatusCode: row.lastStatusCode,
    lastError: row.lastError,
    responseExcerpt: row.responseExcerpt,
    deliveredAt: row.deliveredAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
  };
}
