import type { StrategyKind } from "@tlab/core/strategy";
import { ActivityFeed } from "./activity-feed";
import { CommentThread } from "./comment-thread";
import { DecisionPanel } from "./decision-panel";

/** Below an experiment's comparison: exports, the decision, the discussion and what happened. */
export function ExperimentReview({
  experimentId,
  strategies,
}: {
  experimentId: string;
  strategies: StrategyKind[];
}) {
  const base = `/api/experiments/${encodeURIComponent(experimentId)}/export`;
  return (
    <div className="review">
      <p className="download-line">
        Export the comparison: <a href={`${base}?format=csv`}>CSV</a> ·{" "}
        <a href={`${base}?format=json`}>JSON</a>
      </p>
      <DecisionPanel experimentId={experimentId} strategies={strategies} />
      <CommentThread experimentId={experimentId} title="Discussion" />
      <ActivityFeed experimentId={experimentId} />
    </div>
  );
}

/** Below a run's page: its metrics as files and its own comment thread. */
export function RunReview({ experimentId, runId }: { experimentId: string; runId: string }) {
  const base = `/api/runs/${encodeURIComponent(runId)}/metrics`;
  return (
    <div className="review">
      <p className="download-line">
        Export this run&apos;s metrics: <a href={`${base}?format=csv`}>CSV</a> ·{" "}
        <a href={`${base}?format=json`}>JSON</a>
      </p>
      <CommentThread experimentId={experimentId} runId={runId} title="Comments on this run" />
    </div>
  );
}
