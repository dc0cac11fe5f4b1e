"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useCan } from "@/components/auth/current-user";
import { useTRPC } from "@/trpc/react";

/** Puts a failed or canceled run back in the queue; it trains again from the start. */
export function RetryRunButton({ runId, label }: { runId: string; label: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const canChange = useCan("member");
  const retry = useMutation(
    trpc.run.retry.mutationOptions({
      onSettled: () =>
        Promise.all([
          queryClient.invalidateQueries(trpc.experiment.pathFilter()),
          queryClient.invalidateQueries(trpc.run.pathFilter()),
        ]),
    }),
  );
  // Viewers may not change runs (the API refuses them too): no button to press in vain.
  if (!canChange) return null;
  return (
    <span className="cancel-run">
      <button
        type="button"
        className="button button-small"
        aria-label={label}
        disabled={retry.isPending}
        onClick={() => retry.mutate({ runId })}
      >
        {retry.isPending ? "Retrying…" : "Retry"}
      </button>
      {retry.error ? (
        <span role="alert" className="field-error">
          {retry.error.message}
        </span>
      ) : null}
    </span>
  );
}
