import type { RunStatus } from "@tlab/core/run";

export const RUN_STATUSES_ZERO: Readonly<Record<RunStatus, number>> = {
  QUEUED: 0,
  RUNNING: 0,
  SUCCEEDED: 0,
  FAILED: 0,
  CANCELED: 0,
};
