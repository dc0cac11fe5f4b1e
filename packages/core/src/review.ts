import { z } from "zod";
import { StrategyKind } from "./strategy";

export const MAX_COMMENT_LENGTH = 10_000;
export const MAX_RATIONALE_LENGTH = 5_000;

const id = (field: string) => z.string({ error: `${field}: required` }).min(1, `${field}: required`).max(64, `${field}: at most 64 characters`);
const commentBody = z
  .string()
  .trim()
  .min(1, "body: write something")
  .max(MAX_COMMENT_LENGTH, `body: at most ${MAX_COMMENT_LENGTH} characters`);

/** A thread: an experiment's own comments, or one run's (runId). */
export const CommentThread = z.object({ experimentId: id("experimentId"), runId: id("runId").optional() });
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
}

export type ActivityKind = "launched" | "finished" | "failed" | "commented" | "decided";

export interface ActivityDto {
  kind: ActivityKind;
  at: string;
  experimentId: string;
  experimentName: string;
  runId: string | null;
  /** Who did it, when a person did (comments, decisions). */
  actor: AuthorDto | null;
  /** One line: the run's strategy and seed, the decision, the start of the comment. */
  summary: string;
}
