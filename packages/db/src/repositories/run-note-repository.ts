import type { RunNoteDto } from "@tlab/core/review";
import type { Db } from "../client";
import { createUnlessTaken } from "../unique-create";

const NOTE_SELECT = {
  runId: true,
  body: true,
  editedAt: true,
  editedBy: { select: { id: true, name: true, email: true } },
} as const;

/** The note of each run: one shared markdown text, with who saved it last and when. */
export class RunNoteRepository {
  constructor(private readonly db: Db) {}

  async runExists(runId: string): Promise<boolean> {
    return (await this.db.run.count({ where: { id: runId } })) === 1;
  }

  async note(runId: string): Promise<RunNoteDto | null> {
    const row = await this.db.runNote.findUnique({ where: { runId }, select: NOTE_SELECT });
    return row ? toNote(row) : null;
  }

  /**
   * Saves the text unless someone else saved since the editor loaded it. `base` is the editedAt
   * the editor started from: null when there was no note yet, undefined to overwrite whatever is
   * there. The check and the write are one statement, so two concurrent saves cannot both pass.
   * Returns null when the check failed.
   */
  async save(
    runId: string,
    body: string,
    editorId: string,
    now: Date,
    base: Date | null | undefined,
  ): Promise<RunNoteDto | null> {
    if (base === undefined) {
      const row = await this.db.runNote.upsert({
        where: { runId },
        create: { runId, body, editedById: editorId, editedAt: now },
        update: { body, editedById: editorId, editedAt: now },
        select: NOTE_SELECT,
      });
      return toNote(row);
    }
    if (base === null) {
      // Null when the note exists: someone created it after this editor loaded the page.
      const created = await createUnlessTaken(() =>
        this.db.runNote.create({
          data: { runId, body, editedById: editorId, editedAt: now },
          select: NOTE_SELECT,
        }),
      );
      return created ? toNote(created) : null;
    }
    const { count } = await this.db.runNote.updateMany({
      where: { runId, editedAt: base },
      data: { body, editedById: editorId, editedAt: now },
    });
    return count === 1 ? this.note(runId) : null;
  }
}

function toNote(row: {
  runId: string;
  body: string;
  editedAt: Date;
  editedBy: { id: string; name: string; email: string } | null;
}): RunNoteDto {
  return {
    runId: row.runId,
    body: row.body,
    editedBy: row.editedBy
      ? { id: row.editedBy.id, name: row.editedBy.name, email: row.editedBy.email }
      : null,
    editedAt: row.editedAt.toISOString(),
  };
}
