"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState, type FormEvent } from "react";
import type { RunDetailDto } from "@tlab/core/dto";
import { useCan } from "@/components/auth/current-user";
import { modelsPageHref } from "@/components/catalog/source-run-link";
import { useTRPC } from "@/trpc/react";

/** A name the catalog accepts, derived from the run: e.g. "digits-0-4-5-9-frozen-s1". */
function suggestedName(run: RunDetailDto): string {
  const slug = run.experimentName
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 60);
  return `${slug || "run"}-${run.strategy}-s${run.seed}`;
}

/**
 * Makes a succeeded run's trained model a base model (cut before its classifier, the run kept as
 * its parent), so later experiments can start from it. Renders nothing for other runs, and for
 * viewers (the API refuses them).
 */
export function PromoteRunButton({ run }: { run: RunDetailDto }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const canPromote = useCan("member");
  const [open, setOpen] = useState(false);
  const promote = useMutation(
    trpc.catalog.promoteRun.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries(trpc.catalog.pathFilter()),
    }),
  );
  if (run.status !== "SUCCEEDED" || !canPromote) return null;
  if (promote.data) {
    return (
      <span role="status" className="hint">
        Base model <Link href={modelsPageHref(promote.data.name)}>{promote.data.name}</Link> created
      </span>
    );
  }
  if (!open) {
    return (
      <button type="button" className="button" onClick={() => setOpen(true)}>
        Promote to base model
      </button>
    );
  }
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const name = String(new FormData(event.currentTarget).get("name") ?? "").trim();
    promote.mutate({ runId: run.id, name });
  };
  return (
    <form onSubmit={submit} className="promote-run" aria-label="Promote to base model">
      <label htmlFor="promote-name">New base model's name</label>{" "}
      <input id="promote-name" name="name" type="text" defaultValue={suggestedName(run)} required />{" "}
      <button
        type="submit"
        className="button button-small button-primary"
        disabled={promote.isPending}
      >
        {promote.isPending ? "Promoting…" : "Promote"}
      </button>{" "}
      <button type="button" className="button button-small" onClick={() => setOpen(false)}>
        Cancel
      </button>
      {promote.error ? (
        <span role="alert" className="field-error">
          {" "}
          {promote.error.message}
        </span>
      ) : null}
    </form>
  );
}
