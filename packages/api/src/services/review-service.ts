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
import type { ReviewRepository } from "@tlab/db/repositories/review-repository";

/** Comment threads and review decisions. Authors edit and delete their own comments; admins may delete any. */
export class ReviewService {
  constructor(
    private readonly review: ReviewRepository,
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

  async decide(input: SetDecisionInput, by: SessionUser): Promise<DecisionDto> {
    await this.assertThread({ experimentId: input.experimentId });
    return this.review.addDecision(input.experimentId, input.strategy, input.rationale, by.id);
  }

  /** The current decision first, then the ones it replaced. */
  async decisions(experimentId: string): Promise<DecisionDto[]> {
    await this.assertThread({ experimentId });
    return this.review.decisions(experimentId);
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
