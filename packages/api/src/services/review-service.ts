import type { SessionUser } from "@tlab/core/access";
import { DomainError } from "@tlab/core/errors";
import type {
  ActivityDto,
  ActivityInput,
  AddCommentInput,
  CommentDto,
  CommentThread,
  DecisionDto,
  SetDecisionInput,
} from "@tlab/core/review";
import { basisDrift, decisionBasis } from "@tlab/core/decision-basis";
import type { ExperimentRepository } from "@tlab/db/repositories/experiment-repository";
import type { ReviewRepository } from "@tlab/db/repositories/review-repository";

/** Comment threads and review decisions. Authors edit and delete their own comments; admins may delete any. */
export class ReviewService {
  constructor(
    private readonly review: ReviewRepository,
    private readonly experiments: ExperimentRepository,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async comments(thread: CommentThread): Promise<CommentDto[]> {
    await this.assertThread(thread);
    return this.review.comments(thread);
  }

  async addComment(input: AddCommentInput, by: SessionUser): Promise<CommentDto> {
    await this.assertThread(input);
    return this.review.addComment(input, by.id, input.body);
  }

  async editComment(id: string, body: string, by: SessionUser): Promise<CommentDto> {
    const authorId = await this.review.commentAuthor(id);
    if (!authorId) throw new DomainError("NOT_FOUND", `id: no comment "${id}"`);
    if (authorId !== by.id)
      throw new DomainError("FORBIDDEN", "id: only its author can edit a comment");
    return this.review.editComment(id, body, this.now());
  }

  async deleteComment(id: string, by: SessionUser): Promise<void> {
    const authorId = await this.review.commentAuthor(id);
    if (!authorId) throw new DomainError("NOT_FOUND", `id: no comment "${id}"`);
    if (authorId !== by.id && by.role !== "admin")
      throw new DomainError("FORBIDDEN", "id: only its author or an admin can delete a comment");
    await this.review.deleteComment(id);
  }

  /**
   * Records the decision with the comparison it is made on (the experiment's runs as they stand),
   * so it can later say when newer results changed that comparison. The runs are read just before
   * the write: a run finishing in between is counted as changed since, never silently included.
   */
  async decide(input: SetDecisionInput, by: SessionUser): Promise<DecisionDto> {
    const experiment = await this.experiments.byId(input.experimentId);
    if (!experiment)
      throw new DomainError("NOT_FOUND", `experimentId: no experiment "${input.experimentId}"`);
    const basis = decisionBasis(experiment.runs);
    const decision = await this.review.addDecision(
      input.experimentId,
      input.strategy,
      input.rationale,
      by.id,
      basis,
    );
    return { ...decision, drift: null };
  }

  /** The current decision first, then the ones it replaced; each says what changed since it was made. */
  async decisions(experimentId: string): Promise<DecisionDto[]> {
    const experiment = await this.experiments.byId(experimentId);
    if (!experiment)
      throw new DomainError("NOT_FOUND", `experimentId: no experiment "${experimentId}"`);
    const now = decisionBasis(experiment.runs);
    return (await this.review.decisions(experimentId)).map((d) => ({
      ...d,
      drift: d.basis ? basisDrift(d.basis, now) : null,
    }));
  }

  activity(input: ActivityInput): Promise<ActivityDto[]> {
    return this.review.activity(input.experimentId, input.limit);
  }

  private async assertThread(thread: CommentThread): Promise<void> {
    if (await this.review.threadExists(thread)) return;
    throw new DomainError(
      "NOT_FOUND",
      thread.runId
        ? `runId: experiment "${thread.experimentId}" has no run "${thread.runId}"`
        : `experimentId: no experiment "${thread.experimentId}"`,
    );
  }
}
