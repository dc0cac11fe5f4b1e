import {
  RUN_REQUEST_KINDS,
  RunEventKind,
  type ActivityDto,
  type AuthorDto,
  type CommentDto,
  type CommentThread,
  type DecisionDto,
} from "@tlab/core/review";
import { DecisionBasis } from "@tlab/core/decision-basis";
import { StrategyKind } from "@tlab/core/strategy";
import type { Db } from "../client";
import { enqueueWebhookEvent } from "./webhook-outbox";
import { parseJsonColumn } from "../json";

const AUTHOR = { select: { id: true, name: true, email: true } } as const;
const COMMENT_SELECT = {
  id: true,
  experimentId: true,
  runId: true,
  body: true,
  createdAt: true,
  editedAt: true,
  authorId: true,
  author: AUTHOR,
} as const;
const DECISION_SELECT = {
  id: true,
  experimentId: true,
  strategy: true,
  rationale: true,
  basis: true,
  createdAt: true,
  decidedBy: AUTHOR,
} as const;

/** Comments, decisions and the activity feed of the review features. */
export class ReviewRepository {
  constructor(private readonly db: Db) {}

  /** The experiment a comment thread belongs to exists, and the run (if any) is one of its runs. */
  async threadExists(thread: CommentThread): Promise<boolean> {
    if (thread.runId)
      return (
        (await this.db.run.count({
          where: { id: thread.runId, experimentId: thread.experimentId },
        })) === 1
      );
    return (await this.db.experiment.count({ where: { id: thread.experimentId } })) === 1;
  }

  async runExperimentId(runId: string): Promise<string | null> {
    return (
      (await this.db.run.findUnique({ where: { id: runId }, select: { experimentId: true } }))
        ?.experimentId ?? null
    );
  }

  /** Oldest first, as a conversation reads. An experiment's thread holds its own comments only. */
  async comments(thread: CommentThread): Promise<CommentDto[]> {
    const rows = await this.db.comment.findMany({
      where: { experimentId: thread.experimentId, runId: thread.runId ?? null },
      select: COMMENT_SELECT,
      orderBy: [{ createdAt: "asc" }, { id: "asc" }],
      take: 1000,
    });
    return rows.map(toComment);
  }

  async addComment(thread: CommentThread, authorId: string, body: string): Promise<CommentDto> {
    const row = await this.db.comment.create({
      data: { experimentId: thread.experimentId, runId: thread.runId ?? null, authorId, body },
      select: COMMENT_SELECT,
    });
    return toComment(row);
  }

  async commentAuthor(id: string): Promise<string | null> {
    return (
      (await this.db.comment.findUnique({ where: { id }, select: { authorId: true } }))?.authorId ??
      null
    );
  }

  async editComment(id: string, body: string, now: Date): Promise<CommentDto> {
    return toComment(
      await this.db.comment.update({
        where: { id },
        data: { body, editedAt: now },
        select: COMMENT_SELECT,
      }),
    );
  }

  async deleteComment(id: string): Promise<boolean> {
    return (await this.db.comment.deleteMany({ where: { id } })).count === 1;
  }

  /**
   * Records a decision and makes it the experiment's current one, together, with its
   * `decision.recorded` webhook event (the outbox) in the same transaction.
   */
  async addDecision(
    experimentId: string,
    strategy: StrategyKind | null,
    rationale: string,
    decidedById: string,
    basis: DecisionBasis,
  ): Promise<DecisionDto> {
    return this.db.$transaction(async (tx) => {
      const experiment = await tx.experiment.update({
        where: { id: experimentId },
        data: { decision: strategy ?? "none" },
        select: { id: true, name: true },
      });
      const decision = toDecision(
        await tx.decision.create({
          data: { experimentId, strategy, rationale, decidedById, basis: JSON.stringify(basis) },
          select: DECISION_SELECT,
        }),
      );
      await enqueueWebhookEvent(tx, {
        type: "decision.recorded",
        subjectId: decision.id,
        at: new Date(decision.createdAt),
        data: { experiment, decision },
      });
      return decision;
    });
  }

  /** Newest first: the first one is the current decision. */
  async decisions(experimentId: string): Promise<DecisionDto[]> {
    const rows = await this.db.decision.findMany({
      where: { experimentId },
      select: DECISION_SELECT,
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take: 200,
    });
    return rows.map(toDecision);
  }

  /**
   * What happened, newest first: experiments launched (by whom), runs ended, cancels and retries
   * asked for, comments, decisions, run notes (a note counts once, at its last edit). Each
   * source contributes its newest `limit` entries; the merge keeps the newest `limit` overall.
   */
  async activity(experimentId: string | undefined, limit: number): Promise<ActivityDto[]> {
    const byExperiment = experimentId ? { experimentId } : {};
    const [experiments, runs, comments, decisions, notes, runEvents] = await Promise.all([
      this.db.experiment.findMany({
        where: experimentId ? { id: experimentId } : {},
        select: {
          id: true,
          name: true,
          createdAt: true,
          createdBy: AUTHOR,
          source: true,
          _count: { select: { runs: true } },
        },
        orderBy: { createdAt: "desc" },
        take: limit,
      }),
      this.db.run.findMany({
        where: {
          ...byExperiment,
          finishedAt: { not: null },
          status: { in: ["SUCCEEDED", "FAILED", "CANCELED"] },
        },
        select: {
          id: true,
          experimentId: true,
          strategy: true,
          seed: true,
          status: true,
          finishedAt: true,
          testAccuracy: true,
          failureReason: true,
          experiment: { select: { name: true } },
        },
        orderBy: { finishedAt: "desc" },
        take: limit,
      }),
      this.db.comment.findMany({
        where: byExperiment,
        select: { ...COMMENT_SELECT, experiment: { select: { name: true } } },
        orderBy: { createdAt: "desc" },
        take: limit,
      }),
      this.db.decision.findMany({
        where: byExperiment,
        select: { ...DECISION_SELECT, experiment: { select: { name: true } } },
        orderBy: { createdAt: "desc" },
        take: limit,
      }),
      this.db.runNote.findMany({
        where: experimentId ? { run: { experimentId } } : {},
        select: {
          runId: true,
          body: true,
          editedAt: true,
          editedBy: AUTHOR,
          run: {
            select: {
              experimentId: true,
              strategy: true,
              seed: true,
              experiment: { select: { name: true } },
            },
          },
        },
        orderBy: { editedAt: "desc" },
        take: limit,
      }),
      this.db.runEvent.findMany({
        where: {
          kind: { in: [...RUN_REQUEST_KINDS] },
          ...(experimentId ? { run: { experimentId } } : {}),
        },
        select: {
          runId: true,
          kind: true,
          attempt: true,
          at: true,
          actor: AUTHOR,
          run: {
            select: {
              experimentId: true,
              strategy: true,
              seed: true,
              experiment: { select: { name: true } },
            },
          },
        },
        orderBy: [{ at: "desc" }, { id: "desc" }],
        take: limit,
      }),
    ]);
    const items: ActivityDto[] = [
      ...experiments.map((e) => ({
        kind: "launched" as const,
        at: e.createdAt.toISOString(),
        experimentId: e.id,
        experimentName: e.name,
        runId: null,
        actor: e.createdBy ? author(e.createdBy) : null,
        // An external experiment starts empty; its runs arrive from a client, never queued.
        summary:
          e.source === "external"
            ? "external: runs reported by a client"
            : `${e._count.runs} run${e._count.runs === 1 ? "" : "s"} queued`,
      })),
      ...runs.map((r) => ({
        kind: r.status === "SUCCEEDED" ? ("finished" as const) : ("failed" as const),
        at: r.finishedAt!.toISOString(),
        experimentId: r.experimentId,
        experimentName: r.experiment.name,
        runId: r.id,
        actor: null,
        summary:
          r.status === "SUCCEEDED"
            ? `${r.strategy} seed ${r.seed}${r.testAccuracy === null ? "" : `: test accuracy ${(r.testAccuracy * 100).toFixed(1)}%`}`
            : `${r.strategy} seed ${r.seed} ${r.status === "CANCELED" ? "canceled" : "failed"}${r.failureReason ? `: ${oneLine(r.failureReason, 120)}` : ""}`,
      })),
      ...comments.map((c) => ({
        kind: "commented" as const,
        at: c.createdAt.toISOString(),
        experimentId: c.experimentId,
        experimentName: c.experiment.name,
        runId: c.runId,
        actor: author(c.author),
        summary: oneLine(c.body, 140),
      })),
      ...decisions.map((d) => ({
        kind: "decided" as const,
        at: d.createdAt.toISOString(),
        experimentId: d.experimentId,
        experimentName: d.experiment.name,
        runId: null,
        actor: author(d.decidedBy),
        summary: `${d.strategy ? `adopted ${d.strategy}` : "no strategy adopted yet"}: ${oneLine(d.rationale, 120)}`,
      })),
      ...notes.map((n) => ({
        kind: "noted" as const,
        at: n.editedAt.toISOString(),
        experimentId: n.run.experimentId,
        experimentName: n.run.experiment.name,
        runId: n.runId,
        actor: n.editedBy ? author(n.editedBy) : null,
        summary: `${n.run.strategy} seed ${n.run.seed}: ${n.body.trim() === "" ? "note cleared" : oneLine(n.body, 120)}`,
      })),
      ...runEvents.map((e) => {
        const kind = RunEventKind.parse(e.kind);
        return {
          kind: kind === "retried" ? ("retried" as const) : ("canceled" as const),
          at: e.at.toISOString(),
          experimentId: e.run.experimentId,
          experimentName: e.run.experiment.name,
          runId: e.runId,
          actor: e.actor ? author(e.actor) : null,
          summary: `${e.run.strategy} seed ${e.run.seed}: ${kind === "retried" ? `retried (attempt ${e.attempt})` : "cancel requested"}`,
        };
      }),
    ];
    return items.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0)).slice(0, limit);
  }
}

function oneLine(text: string, max: number): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

function author(row: { id: string; name: string; email: string }): AuthorDto {
  return { id: row.id, name: row.name, email: row.email };
}

function toComment(row: {
  id: string;
  experimentId: string;
  runId: string | null;
  body: string;
  createdAt: Date;
  editedAt: Date | null;
  author: { id: string; name: string; email: string };
}): CommentDto {
  return {
    id: row.id,
    experimentId: row.experimentId,
    runId: row.runId,
    author: author(row.author),
    body: row.body,
    createdAt: row.createdAt.toISOString(),
    editedAt: row.editedAt?.toISOString() ?? null,
  };
}

function toDecision(row: {
  id: string;
  experimentId: string;
  strategy: string | null;
  rationale: string;
  basis: string | null;
  createdAt: Date;
  decidedBy: { id: string; name: string; email: string };
}): DecisionDto {
  return {
    id: row.id,
    experimentId: row.experimentId,
    strategy: row.strategy === null ? null : StrategyKind.parse(row.strategy),
    rationale: row.rationale,
    decidedBy: author(row.decidedBy),
    createdAt: row.createdAt.toISOString(),
    basis: row.basis === null ? null : parseJsonColumn(DecisionBasis, row.basis, "Decision.basis"),
    // The service compares the basis with the runs as they stand.
    drift: null,
  };
}
