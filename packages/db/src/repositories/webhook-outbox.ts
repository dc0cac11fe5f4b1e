import {
  WebhookEventList,
  type WebhookDeliveredType,
  type WebhookEventType,
} from "@tlab/core/webhook";
import { parseJsonColumn } from "../json";
import type { Tx } from "./run-events";

const TERMINAL = ["SUCCEEDED", "FAILED", "CANCELED"];
/** An experiment.finished payload lists at most this many runs (experiments have a handful). */
const MAX_RUNS_IN_PAYLOAD = 200;

/**
 * The outbox: writes an event and one pending delivery per webhook that receives it, inside the
 * caller's transaction, so the event exists exactly when the change that caused it committed.
 * Nothing is written when no enabled webhook wants it. `sequence` tells apart repeated events
 * about one subject (an experiment that finishes again after a retry); the unique
 * (type, subjectId, sequence) makes a duplicate fail the whole transaction rather than be sent.
 */
export async function enqueueWebhookEvent(
  tx: Tx,
  event: {
    type: WebhookDeliveredType;
    subjectId: string;
    data: unknown;
    at: Date;
    /** Only this webhook (test events), whatever it subscribes to. */
    onlyWebhookId?: string;
  },
): Promise<{ eventId: string; deliveries: number } | null> {
  const webhooks = await tx.webhook.findMany({
    where: event.onlyWebhookId ? { id: event.onlyWebhookId } : { enabled: true },
    select: { id: true, events: true },
  });
  const receivers = event.onlyWebhookId
    ? webhooks
    : webhooks.filter((w) =>
        parseJsonColumn(WebhookEventList, w.events, "Webhook.events").includes(
          event.type as WebhookEventType,
        ),
      );
  if (receivers.length === 0) return null;
  const last = await tx.webhookEvent.findFirst({
    where: { type: event.type, subjectId: event.subjectId },
    orderBy: { sequence: "desc" },
    select: { sequence: true },
  });
  const created = await tx.webhookEvent.create({
    data: {
      type: event.type,
      subjectId: event.subjectId,
      sequence: (last?.sequence ?? 0) + 1,
      payload: JSON.stringify(event.data),
      createdAt: event.at,
    },
    select: { id: true },
  });
  await tx.webhookDelivery.createMany({
    data: receivers.map((w) => ({
      webhookId: w.id,
      eventId: created.id,
      nextAttemptAt: event.at,
      createdAt: event.at,
    })),
  });
  return { eventId: created.id, deliveries: receivers.length };
}

/**
 * Called in the transaction that just ended a run (succeeded, failed, canceled, or failed for
 * good by the sweeper): when no run of its experiment is left queued or running, the experiment
 * has finished and `experiment.finished` goes to the outbox.
 *
 * Exactly once per finish, with any number of replicas: the experiment's row is locked (a no-op
 * UPDATE) before counting the open runs. On PostgreSQL two transactions ending the last two runs
 * at once are serialized on that lock, and the second one's count (a new statement under READ
 * COMMITTED) sees the first one's committed run, so exactly one of them sees no open run. SQLite
 * runs one write transaction at a time, which gives the same order. A retried run makes the
 * experiment open again; when it ends, the experiment finishes again and a new event (the next
 * sequence, a new event id) is sent: the results it reports may have changed.
 */
export async function enqueueExperimentFinishedIfDone(
  tx: Tx,
  runId: string,
  at: Date,
): Promise<void> {
  const run = await tx.run.findUnique({
    where: { id: runId },
    select: { status: true, experimentId: true },
  });
  if (!run || !TERMINAL.includes(run.status)) return;
  const experimentId = run.experimentId;
  await tx.$executeRaw`UPDATE "Experiment" SET "id" = "id" WHERE "id" = ${experimentId}`;
  const open = await tx.run.count({ where: { experimentId, status: { notIn: TERMINAL } } });
  if (open > 0) return;
  const experiment = await tx.experiment.findUniqueOrThrow({
    where: { id: experimentId },
    select: { id: true, name: true, createdAt: true },
  });
  const runs = await tx.run.findMany({
    where: { experimentId },
    select: {
      id: true,
      strategy: true,
      seed: true,
      status: true,
      attempt: true,
      testAccuracy: true,
      failureReason: true,
      finishedAt: true,
    },
    orderBy: [{ strategy: "asc" }, { seed: "asc" }, { id: "asc" }],
    take: MAX_RUNS_IN_PAYLOAD,
  });
  const count = (status: string) => runs.filter((r) => r.status === status).length;
  await enqueueWebhookEvent(tx, {
    type: "experiment.finished",
    subjectId: experimentId,
    at,
    data: {
      experiment: {
        id: experiment.id,
        name: experiment.name,
        createdAt: experiment.createdAt.toISOString(),
      },
      finishedAt: at.toISOString(),
      counts: {
        runs: runs.length,
        succeeded: count("SUCCEEDED"),
        failed: count("FAILED"),
        canceled: count("CANCELED"),
      },
      runs: runs.map((r) => ({
        id: r.id,
        strategy: r.strategy,
        seed: r.seed,
        status: r.status,
        attempt: r.attempt,
        testAccuracy: r.testAccuracy,
        failureReason: r.failureReason,
        finishedAt: r.finishedAt?.toISOString() ?? null,
      })),
    },
  });
}
