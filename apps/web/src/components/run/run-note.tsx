"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { MAX_RUN_NOTE_LENGTH, SetRunNoteInput, type RunNoteDto } from "@tlab/core/review";
import { useCan } from "@/components/auth/current-user";
import { Markdown } from "@/components/review/markdown";
import styles from "@/components/review/labels.module.css";
import { formatDateTime } from "@/lib/format";
import { useTRPC } from "@/trpc/react";
import { FormError } from "@/components/form-messages";

/** The run's shared note (markdown): who saved it last and when; members edit it. */
export function RunNote({ runId }: { runId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const canEdit = useCan("member");
  const note = useQuery(trpc.review.runNote.queryOptions({ runId }));
  /** The text being edited and the version it started from; null while reading. */
  const [editing, setEditing] = useState<{ body: string; base: RunNoteDto | null } | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  /** Set when a save was refused because someone else saved first; the next save replaces their text. */
  const [overtaken, setOvertaken] = useState<RunNoteDto | null>(null);
  const save = useMutation(
    trpc.review.setRunNote.mutationOptions({
      onSuccess: (saved) => {
        setEditing(null);
        setOvertaken(null);
        queryClient.setQueryData(trpc.review.runNote.queryKey({ runId }), saved);
        return queryClient.invalidateQueries(trpc.review.activity.pathFilter());
      },
      // Someone saved in between: show their version above, keep this draft in the box, and let a
      // second save replace theirs knowingly (it is based on the version now shown).
      onError: async (error) => {
        if (error.data?.code !== "CONFLICT") return;
        const theirs = await queryClient.fetchQuery({
          ...trpc.review.runNote.queryOptions({ runId }),
          staleTime: 0,
        });
        setOvertaken(theirs);
        setEditing((draft) => (draft ? { ...draft, base: theirs } : draft));
      },
    }),
  );

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!editing) return;
    const parsed = SetRunNoteInput.safeParse({
      runId,
      body: editing.body,
      baseEditedAt: editing.base?.editedAt ?? null,
    });
    if (!parsed.success) {
      setProblem(parsed.error.issues[0]?.message ?? "body: invalid");
      return;
    }
    setProblem(null);
    setOvertaken(null);
    save.mutate(parsed.data);
  }

  const current = note.data ?? null;
  const error =
    problem ??
    (overtaken
      ? `${overtaken.editedBy?.name ?? "Someone"} saved this note on ${formatDateTime(overtaken.editedAt)}, after you started editing; their version is shown above. Save again to replace it with yours, or Cancel to keep theirs.`
      : (save.error?.message ?? null));
  return (
    <section className="review-section" aria-labelledby="run-note-heading">
      <h2 id="run-note-heading">Run note</h2>
      {note.isPending ? <p className="muted">Loading the note…</p> : null}
      {note.error ? <p className="form-error">{note.error.message}</p> : null}
      {current && current.body.trim() !== "" ? (
        <>
          <p className={`${styles.noteMeta} muted small`}>
            Last edited by {current.editedBy?.name ?? "a removed account"} on{" "}
            {formatDateTime(current.editedAt)}
          </p>
          <Markdown text={current.body} />
        </>
      ) : note.isSuccess ? (
        <p className="muted">
          {current
            ? `Cleared by ${current.editedBy?.name ?? "a removed account"} on ${formatDateTime(current.editedAt)}.`
            : "No note yet."}
        </p>
      ) : null}
      {canEdit && editing === null && note.isSuccess ? (
        <div className="form-actions">
          <button
            type="button"
            className="button button-small"
            onClick={() => {
              save.reset();
              setOvertaken(null);
              setEditing({ body: current?.body ?? "", base: current });
            }}
          >
            {current && current.body.trim() !== "" ? "Edit note" : "Write a note"}
          </button>
        </div>
      ) : null}
      {editing !== null ? (
        <form className={styles.noteForm} onSubmit={onSubmit} aria-label="Edit the run note">
          <label htmlFor="run-note-body" className="visually-hidden">
            Note
          </label>
          <textarea
            id="run-note-body"
            rows={6}
            value={editing.body}
            maxLength={MAX_RUN_NOTE_LENGTH}
            onChange={(e) => setEditing({ ...editing, body: e.target.value })}
            placeholder="Markdown: what to remember about this run (why it diverged, what to try next)"
          />
          <FormError message={error} />
          <div className="form-actions">
            <span className={`${styles.noteCount} muted small`}>
              {editing.body.length.toLocaleString("en-US")} /{" "}
              {MAX_RUN_NOTE_LENGTH.toLocaleString("en-US")} characters
            </span>
            <button
              type="submit"
              className="button button-small button-primary"
              disabled={save.isPending}
            >
              {save.isPending ? "Saving…" : "Save note"}
            </button>
            <button
              type="button"
              className="button button-small"
              onClick={() => {
                setEditing(null);
                setProblem(null);
                setOvertaken(null);
                save.reset();
              }}
            >
              Cancel
            </button>
          </div>
        </form>
      ) : null}
      {!canEdit ? <p className="muted small">Members and admins can edit the note.</p> : null}
    </section>
  );
}
