"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useCan } from "@/components/auth/current-user";
import { useTRPC } from "@/trpc/react";

/** Cancels a queued run at once; a running run stops after its worker's next heartbeat. */
export function CancelRunButton({ runId, label }: { runId: string; label: string }) {
  const trpc = useTRPC();
  const cancel = useMutation(trpc.run.cancel.mutationOptions({ onSettled: useRefreshRuns() }));
  return (
    <RunActionButton
      label={label}
      text="Cancel"
      pendingText="Canceling…"
      danger
      mutation={cancel}
      onPress={() => cancel.mutate({ runId })}
    />
  );
}

/** Puts a failed or canceled run back in the queue; it trains again from the start. */
export function RetryRunButton({ runId, label }: { runId: string; label: string }) {
  const trpc = useTRPC();
  const retry = useMutation(trpc.run.retry.mutationOptions({ onSettled: useRefreshRuns() }));
  return (
    <RunActionButton
      label={label}
      text="Retry"
      pendingText="Retrying…"
      mutation={retry}
      onPress={() => retry.mutate({ runId })}
    />
  );
}

/** After a run changes state, experiments and runs everywhere on the page are read again. */
function useRefreshRuns(): () => Promise<unknown> {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return () =>
    Promise.all([
      queryClient.invalidateQueries(trpc.experiment.pathFilter()),
      queryClient.invalidateQueries(trpc.run.pathFilter()),
    ]);
}

function RunActionButton(props: {
  label: string;
  text: string;
  pendingText: string;
  danger?: boolean;
  mutation: { isPending: boolean; error: { message: string } | null };
  onPress: () => void;
}) {
  const { mutation } = props;
  const canChange = useCan("member");
  // Viewers may not change runs (the API refuses them too): no button to press in vain.
  if (!canChange) return null;
  return (
    <span className="run-action">
      <button
        type="button"
        className={props.danger ? "button button-small button-danger" : "button button-small"}
        aria-label={props.label}
        disabled={mutation.isPending}
        onClick={props.onPress}
      >
        {mutation.isPending ? props.pendingText : props.text}
      </button>
      {mutation.error ? (
        <span role="alert" className="field-error">
          {mutation.error.message}
        </span>
      ) : null}
    </span>
  );
}
