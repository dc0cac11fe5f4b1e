import type { RunEventKind } from "@tlab/core/review";
import type { Db } from "../client";
import { enqueueExperimentFinishedIfDone } from "./webhook-outbox";

/** A client inside `db.$transaction(async (tx) => …)`. */
export type Tx = Parameters<Parameters<Db["$transaction"]>[0]>[0];

/** The attempt of a run this transaction has just updated (and so holds locked). */
export async function attemptOf(tx: Tx, runId: string): Promise<number> {
  return (await tx.run.findUniqueOrThrow({ where: { id: runId }, select: { attempt: true } }))
    .attempt;
}

/** Steps after which the run may have ended (a queued run's cancel request ends it at once). */
const ENDING_KINDS: ReadonlySet<RunEventKind> = new Set([
  "succeeded",
  "failed",
  "canceled",
  "lease_expired",
  "cancel_requested",
]);

/**
 * Records a step of a run's history in the transaction that made the change: the worker for
 * lifecycle steps, the person for requests (cancel, retry), the reason where there is one. Every
 * state change goes through here, so this is also where an experiment whose last open run just
 * ended puts `experiment.finished` in the webhook outbox, in the same transaction.
 */
export async function recordRunEvent(
  tx: Tx,
  event: {
    runId: string;
    kind: RunEventKind;
    attempt: number;
    workerId?: string | null;
    actorId?: string | null;
    detail?: string | null;
    at: Date;
  },
): Promise<void> {
  await tx.runEvent.create({
    data: {
      ...event,
      workerId: event.workerId ?? null,
      actorId: event.actorId ?? null,
      detail: event.detail ?? null,
    },
    select: { id: true },
  });
  if (ENDING_KINDS.has(event.kind))
    await enqueueExperimentFinishedIfDone(tx, event.runId, event.at);
}
