import { z } from "zod";
import type { BasisDrift, DecisionBasis } from "./decision-basis";
import { StrategyKind } from "./strategy";

export const MAX_COMMENT_LENGTH = 10_000;
export const MAX_RATIONALE_LENGTH = 5_000;

const id = (field: string) =>
  z
    .string({ error: `${field}: required` })
    .min(1, `${field}: required`)
    .max(64, `${field}: at most 64 characters`);
const commentBody = z
  .string()
  .trim()
  .min(1, "body: write something")
  .max(MAX_COMMENT_LENGTH, `body: at most ${MAX_COMMENT_LENGTH} characters`);

/** A thread: an experiment's own comments, or one run's (runId). */
export const CommentThread = z.object({
  experimentId: id("experimentId"),
  runId: id("runId").optional(),
});
export type CommentThread = z.infer<typeof CommentThread>;

export const AddCommentInput = CommentThread.extend({ body: commentBody });
export type AddCommentInput = z.infer<typeof AddCommentInput>;

export const EditCommentInput = z.object({ id: id("id"), body: commentBody });
export const CommentId = z.object({ id: id("id") });

export const SetDecisionInput = z.object({
  experimentId: id("experimentId"),
  /** null: no strategy adopted yet. */
  strategy: StrategyKind.nullable(),
  rationale: z
    .string()
    .trim()
    .min(1, "rationale: say why (a sentence is enough)")
    .max(MAX_RATIONALE_LENGTH, `rationale: at most ${MAX_RATIONALE_LENGTH} characters`),
});
export type SetDecisionInput = z.infer<typeof SetDecisionInput>;

export const ExperimentRef = z.object({ experimentId: id("experimentId") });

export const ActivityInput = z.object({
  experimentId: id("experimentId").optional(),
  limit: z.number().int().min(1).max(200).default(50),
});
export type ActivityInput = z.infer<typeof ActivityInput>;

export interface AuthorDto {
  id: string;
  name: string;
  email: string;
}

export interface CommentDto {
  id: string;
  experimentId: string;
  runId: string | null;
  author: AuthorDto;
  /** Markdown; the dashboard renders it without raw HTML. */
  body: string;
  createdAt: string;
  editedAt: string | null;
}

export interface DecisionDto {
  id: string;
  experimentId: string;
  strategy: StrategyKind | null;
  rationale: string;
  decidedBy: AuthorDto;
  createdAt: string;
  /** The comparison it was made on; null on decisions from before it was recorded. */
  basis: DecisionBasis | null;
  /** What changed in the comparison since; null when nothing did (or there is no basis). */
  drift: BasisDrift | null;
}

/**
 * A step of a run's history, as recorded (RunEvent.kind): what a person asked of it
 * (RUN_REQUEST_KINDS) or a step of its lifecycle. `claimed` begins an attempt; `released` (the
 * worker gave it back), `lease_expired` (the sweeper took it back), `failed`, `canceled` and
 * `succeeded` end one.
 */
export const RunEventKind = z.enum([
  "cancel_requested",
  "retried",
  "claimed",
  "released",
  "lease_expired",
  "failed",
  "canceled",
  "succeeded",
]);
export type RunEventKind = z.infer<typeof RunEventKind>;

/** The events a person asks for; the activity feed shows these and no lifecycle step. */
export const RUN_REQUEST_KINDS = [
  "cancel_requested",
  "retried",
] as const satisfies readonly RunEventKind[];

/** One step of a run's history for its timeline (a RunEvent row), oldest first; the live stream sends RunStreamEvent. */
export interface RunLifecycleEventDto {
  kind: RunEventKind;
  attempt: number;
  at: string;
  /** The worker that held the attempt (lifecycle steps); null for a person's requests. */
  worker: { id: string; name: string; hostname: string } | null;
  /** Who asked (cancel_requested, retried); null when no user did or the account is gone. */
  actor: AuthorDto | null;
  /** Why the attempt ended (released, lease_expired, failed, canceled). */
  detail: string | null;
}

/**
 * `canceled` and `retried` are a member's requests (a cancel asked for, a run put back in the
 * queue); a run that then ends canceled is a `failed` entry of its own, at its finish.
 */
export type ActivityKind =
  | "launched"
  | "finished"
  | "failed"
  | "commented"
  | "decided"
  | "noted"
  | "canceled"
  | "retried";

export interface ActivityDto {
  kind: ActivityKind;
  at: string;
  experimentId: string;
  experimentName: string;
  runId: string | null;
  /**
   * Who did it, when a person did (launches, cancels, retries, comments, decisions, run notes);
   * null for what the system did, or once that person's account is gone.
   */
  actor: AuthorDto | null;
  /** One line: the run's strategy and seed, the decision, the start of the comment. */
  summary: string;
}

// ── Tags, stars and run notes ────────────────────────────────────────────────────────────────

export const MAX_TAG_LENGTH = 40;
export const MAX_TAGS_PER_EXPERIMENT = 20;
export const MAX_RUN_NOTE_LENGTH = 10_000;

const TAG_PATTERN = /^[a-z0-9][a-z0-9._-]*$/;
export const TAG_RULE = `1–${MAX_TAG_LENGTH} characters: lowercase letters, digits, "-", "_" or ".", starting with a letter or digit`;

/**
 * A tag as stored: a slug. Input is trimmed and lower-cased first, so "Baseline" and "baseline"
 * are one tag; anything else outside the pattern is refused rather than silently rewritten.
 */
export const TagName = z
  .string({ error: `tag: required (${TAG_RULE})` })
  .trim()
  .toLowerCase()
  .min(1, `tag: required (${TAG_RULE})`)
  .max(MAX_TAG_LENGTH, `tag: at most ${MAX_TAG_LENGTH} characters`)
  .regex(TAG_PATTERN, `tag: use ${TAG_RULE}`);

export const ExperimentTagInput = z.object({ experimentId: id("experimentId"), tag: TagName });
export type ExperimentTagInput = z.infer<typeof ExperimentTagInput>;

export const SetStarInput = z.object({
  experimentId: id("experimentId"),
  starred: z.boolean({ error: "starred: true or false" }),
});
export type SetStarInput = z.infer<typeof SetStarInput>;

export const SetRunNoteInput = z.object({
  runId: id("runId"),
  /** Markdown; empty clears the note (who cleared it and when is still recorded). */
  body: z
    .string({ error: "body: text required" })
    .trim()
    .max(MAX_RUN_NOTE_LENGTH, `body: at most ${MAX_RUN_NOTE_LENGTH} characters`),
  /**
   * The editedAt of the note the editor started from (null: there was none). When someone saved
   * in between, the save is refused instead of overwriting their text.
   */
  baseEditedAt: z.string().max(64).nullable().optional(),
});
export type SetRunNoteInput = z.infer<typeof SetRunNoteInput>;

/** An experiment's tags (sorted) and stars, as the signed-in user sees them. */
export interface ExperimentLabelsDto {
  experimentId: string;
  tags: string[];
  starCount: number;
  starredByMe: boolean;
}

/** A tag in use, and on how many experiments. */
export interface TagCountDto {
  tag: string;
  experiments: number;
}

export interface RunNoteDto {
  runId: string;
  /** Markdown; the dashboard renders it without raw HTML. */
  body: string;
  /** Null once the editor's account is gone. */
  editedBy: AuthorDto | null;
  editedAt: string;
}
