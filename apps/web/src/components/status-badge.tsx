import type { RunStatus } from "@tlab/core/run";
import { STATUS_WORDS } from "@/lib/format";

export function StatusBadge({
  status,
  cancelRequested = false,
}: {
  status: RunStatus;
  cancelRequested?: boolean;
}) {
  const word = STATUS_WORDS[status];
  return (
    <span className={`status status-${word}`}>
      {word}
      {cancelRequested && status === "RUNNING" ? (
        <span className="status-note"> (canceling)</span>
      ) : null}
    </span>
  );
}
