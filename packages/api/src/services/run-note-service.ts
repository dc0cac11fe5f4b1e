import type { SessionUser } from "@tlab/core/access";
import { DomainError } from "@tlab/core/errors";
import type { RunNoteDto, SetRunNoteInput } from "@tlab/core/review";
import type { RunNoteRepository } from "@tlab/db/repositories/run-note-repository";

/** A run's shared note: any member edits it; a save based on an outdated text is refused, not merged. */
export class RunNoteService {
  constructor(
    private readonly notes: RunNoteRepository,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async note(runId: string): Promise<RunNoteDto | null> {
    await this.assertRun(runId);
    return this.notes.note(runId);
  }

  async save(input: SetRunNoteInput, by: SessionUser): Promise<RunNoteDto> {
    await this.assertRun(input.runId);
    const base =
      input.baseEditedAt === undefined
        ? undefined
        : input.baseEditedAt === null
          ? null
          : parseBase(input.baseEditedAt);
    const saved = await this.notes.save(input.runId, input.body, by.id, this.now(), base);
    if (saved) return saved;
    const current = await this.notes.note(input.runId);
    const change = current
      ? `${current.editedBy?.name ?? "someone"} saved this note at ${current.editedAt}`
      : "someone changed this note";
    throw new DomainError(
      "CONFLICT",
      `baseEditedAt: ${change}, after you opened it; reload to see their text, then edit again (copy yours first)`,
    );
  }

  private async assertRun(runId: string): Promise<void> {
    if (!(await this.notes.runExists(runId)))
      throw new DomainError("NOT_FOUND", `runId: no run "${runId}"`);
  }
}

function parseBase(value: string): Date {
  const date = new Date(value);
  if (Number.isNaN(date.getTime()))
    throw new DomainError(
      "INVALID_INPUT",
      `baseEditedAt: an ISO timestamp or null, not "${value}"`,
    );
  return date;
}
