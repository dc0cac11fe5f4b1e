"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "@/trpc/react";

/** Cancels a queued run at once; a running run stops after its worker's next heartbeat. */
export function CancelRunButton({ runId, label }: { runId: string; label: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const cancel = useMutation(
    trpc.run.cancel.mutationOptions({
      onSettled: () => Promise.all([queryClient.invalidateQueries(trpc.experiment.pathFilter()), queryClient.invalidateQueries(trpc.run.pathFilter())]),
    }),
  );
  return (
    <span className="cancel-run">
      <button type="button" className="button button-small button-danger" aria-label={label} disabled={cancel.isPending} onClick={() => cancel.mutate({ runId })}>
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
