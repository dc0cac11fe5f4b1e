"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import {
  ExperimentTagInput,
  MAX_TAG_LENGTH,
  MAX_TAGS_PER_EXPERIMENT,
  TAG_RULE,
  type ExperimentLabelsDto,
} from "@tlab/core/review";
import { useCan } from "@/components/auth/current-user";
import { useTRPC } from "@/trpc/react";
import styles from "./labels.module.css";
import { StarButton } from "./star-button";
import { TagChips } from "./tag-chips";

/** An experiment's star and tags on its page; members add and remove tags. */
export function ExperimentLabels({
  experimentId,
  experimentName,
}: {
  experimentId: string;
  experimentName: string;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const canEdit = useCan("member");
  const labels = useQuery(trpc.review.labels.queryOptions({ experimentId }));
  const [draft, setDraft] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const onSaved = (next: ExperimentLabelsDto) => {
    queryClient.setQueryData(trpc.review.labels.queryKey({ experimentId }), next);
    return Promise.all([
      queryClient.invalidateQueries(trpc.review.tagCounts.pathFilter()),
      queryClient.invalidateQueries(trpc.experiment.table.pathFilter()),
    ]);
  };
  const add = useMutation(
    trpc.review.addTag.mutationOptions({
      onSuccess: async (next) => {
        setDraft("");
        await onSaved(next);
      },
    }),
  );
  const remove = useMutation(trpc.review.removeTag.mutationOptions({ onSuccess: onSaved }));
  const known = useQuery({
    ...trpc.review.tagCounts.queryOptions(),
    enabled: canEdit,
    staleTime: 30_000,
  });

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    // The API's own schema, so the form refuses exactly what the server would, with the same words.
    const parsed = ExperimentTagInput.safeParse({ experimentId, tag: draft });
    if (!parsed.success) {
      setProblem(parsed.error.issues[0]?.message ?? `tag: use ${TAG_RULE}`);
      return;
    }
    setProblem(null);
    add.mutate(parsed.data);
  }

  const data = labels.data;
  const tags = data?.tags ?? [];
  const error =
    problem ?? add.error?.message ?? remove.error?.message ?? labels.error?.message ?? null;
  return (
    <div className={styles.labels} aria-label="Star and tags" role="group">
      {data ? (
        <StarButton
          experimentId={experimentId}
          experimentName={experimentName}
          starred={data.starredByMe}
          count={data.starCount}
        />
      ) : null}
      <TagChips
        tags={tags}
        onRemove={canEdit ? (tag) => remove.mutate({ experimentId, tag }) : undefined}
        busy={remove.isPending}
      />
      {data && tags.length === 0 && !canEdit ? <span className="muted small">No tags</span> : null}
      {canEdit && data && tags.length < MAX_TAGS_PER_EXPERIMENT ? (
        <form className={styles.tagForm} onSubmit={onSubmit} aria-label="Add a tag">
          <label htmlFor="experiment-tag-new" className="visually-hidden">
            New tag
          </label>
          <input
            id="experiment-tag-new"
            value={draft}
            onChange={(e) => {
              setDraft(e.target.value);
              setProblem(null);
            }}
            maxLength={MAX_TAG_LENGTH + 10}
            list="experiment-tag-known"
            placeholder="add a tag, e.g. baseline"
            autoComplete="off"
            aria-describedby={error ? "experiment-tag-error" : undefined}
          />
          <datalist id="experiment-tag-known">
            {known.data
              ?.filter((t) => !tags.includes(t.tag))
              .map((t) => (
                <option key={t.tag} value={t.tag} />
              ))}
          </datalist>
          <button
            type="submit"
            className="button button-small"
            disabled={add.isPending || draft.trim() === ""}
          >
            {add.isPending ? "Adding…" : "Add tag"}
          </button>
        </form>
      ) : null}
      {error ? (
        <p id="experiment-tag-error" className={styles.error} role="alert">
          {error}
        </p>
      ) : null}
    </div>
  );
}
