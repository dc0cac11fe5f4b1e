"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useCan } from "@/components/auth/current-user";
import { useTRPC } from "@/trpc/react";

/** Cancels a queued run at once; a running run stops after its worker's next heartbeat. */
export function CancelRunButton({ runId, label }: { runId: string; label: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const canChange = useCan("member");
  const cancel = useMutation(
    trpc.run.cancel.mutationOptions({
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
        className="button button-small button-danger"
        aria-label={label}
        disabled={cancel.isPending}
        onClick={() => cancel.mutate({ runId })}
      >
        {cancel.isPending ? "Canceling…" : "Cancel"}
      </button>
      {cancel.error ? (
        <span role="alert" className="field-error">
          {cancel.error.message}
        </span>
      ) : null}
    </span>
  );
}
