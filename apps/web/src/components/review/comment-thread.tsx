"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { MAX_COMMENT_LENGTH, type CommentDto } from "@tlab/core/review";
import { useCan, useCurrentUser } from "@/components/auth/current-user";
import { formatDateTime } from "@/lib/format";
import { useTRPC } from "@/trpc/react";
import { Markdown } from "./markdown";
import { FormError } from "@/components/form-messages";

interface Props {
  experimentId: string;
  runId?: string;
  title: string;
}

/** A comment thread (markdown, author and time); members write, authors edit and delete their own. */
export function CommentThread({ experimentId, runId, title }: Props) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const thread = runId ? { experimentId, runId } : { experimentId };
  const comments = useQuery(trpc.review.comments.queryOptions(thread));
  const refresh = () =>
    Promise.all([
      queryClient.invalidateQueries(trpc.review.comments.pathFilter()),
      queryClient.invalidateQueries(trpc.review.activity.pathFilter()),
    ]);
  const add = useMutation(trpc.review.addComment.mutationOptions({ onSuccess: refresh }));
  const canWrite = useCan("member");
  const headingId = `comments-${runId ?? experimentId}`;
  const [draft, setDraft] = useState("");

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    add.mutate({ ...thread, body: draft }, { onSuccess: () => setDraft("") });
  }

  return (
    <section className="review-section" aria-labelledby={headingId}>
      <h2 id={headingId}>{title}</h2>
      {comments.isPending ? <p className="muted">Loading comments…</p> : null}
      {comments.error ? <p className="form-error">{comments.error.message}</p> : null}
      {comments.data?.length === 0 ? <p className="muted">No comments yet.</p> : null}
      <ol className="comment-list">
        {comments.data?.map((comment) => (
          <CommentItem key={comment.id} comment={comment} onChanged={refresh} />
        ))}
      </ol>
      {canWrite ? (
        <form
          className="comment-form"
          onSubmit={onSubmit}
          aria-label={`Add a comment to ${title.toLowerCase()}`}
        >
          <label htmlFor={`${headingId}-body`}>Comment</label>
          <textarea
            id={`${headingId}-body`}
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
            rows={3}
            maxLength={MAX_COMMENT_LENGTH}
            required
            placeholder="Markdown: **bold**, `code`, [links](https://…), lists"
          />
          <FormError message={add.error?.message} />
          <div className="form-actions">
            <button
              type="submit"
              className="button button-primary"
              disabled={add.isPending || draft.trim() === ""}
            >
              {add.isPending ? "Posting…" : "Post comment"}
            </button>
          </div>
        </form>
      ) : (
        <p className="muted small">Viewers read the discussion; members and admins can comment.</p>
      )}
    </section>
  );
}

function CommentItem({
  comment,
  onChanged,
}: {
  comment: CommentDto;
  onChanged: () => Promise<unknown>;
}) {
  const trpc = useTRPC();
  const user = useCurrentUser();
  const [editing, setEditing] = useState<string | null>(null);
  const edit = useMutation(
    trpc.review.editComment.mutationOptions({
      onSuccess: async () => {
        setEditing(null);
        await onChanged();
      },
    }),
  );
  const remove = useMutation(trpc.review.deleteComment.mutationOptions({ onSuccess: onChanged }));
  const mine = user?.id === comment.author.id;
  const canWrite = user !== null && user.role !== "viewer";
  return (
    <li className="comment" aria-label={`Comment by ${comment.author.name}`}>
      <p className="comment-meta">
        <strong>{comment.author.name}</strong>{" "}
        <span className="muted small">
          {formatDateTime(comment.createdAt)}
          {comment.editedAt ? " (edited)" : ""}
        </span>
      </p>
      {editing === null ? (
        <Markdown text={comment.body} />
      ) : (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            edit.mutate({ id: comment.id, body: editing });
          }}
          aria-label="Edit comment"
        >
          <textarea
            aria-label="Comment text"
            value={editing}
            onChange={(e) => setEditing(e.target.value)}
            rows={3}
            maxLength={MAX_COMMENT_LENGTH}
            required
          />
          <div className="form-actions">
            <button
              type="submit"
              className="button button-small button-primary"
              disabled={edit.isPending}
            >
              Save
            </button>
            <button type="button" className="button button-small" onClick={() => setEditing(null)}>
              Cancel
            </button>
          </div>
        </form>
      )}
      {canWrite && editing === null && (mine || user?.role === "admin") ? (
        <p className="comment-actions">
          {mine ? (
            <button
              type="button"
              className="button button-small"
              onClick={() => setEditing(comment.body)}
            >
              Edit
            </button>
          ) : null}
          <button
            type="button"
            className="button button-small button-danger"
            disabled={remove.isPending}
            onClick={() => {
              if (window.confirm("Delete this comment?")) remove.mutate({ id: comment.id });
            }}
          >
            Delete
          </button>
        </p>
      ) : null}
      <FormError message={(edit.error ?? remove.error)?.message} />
    </li>
  );
}
