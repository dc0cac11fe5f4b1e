"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { type DecisionDto, MAX_RATIONALE_LENGTH } from "@tlab/core/review";
import { STRATEGY_LABELS, type StrategyKind } from "@tlab/core/strategy";
import { useCan } from "@/components/auth/current-user";
import { formatDateTime } from "@/lib/format";
import { useTRPC } from "@/trpc/react";
import { Markdown } from "./markdown";
import { FormError } from "@/components/form-messages";

/** The review decision: which strategy the team adopts (or none yet), why, who decided, and its history. */
export function DecisionPanel({
  experimentId,
  strategies,
}: {
  experimentId: string;
  strategies: StrategyKind[];
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const decisions = useQuery(trpc.review.decisions.queryOptions({ experimentId }));
  const decide = useMutation(
    trpc.review.decide.mutationOptions({
      onSuccess: () => {
        setRationale("");
        return Promise.all([
          queryClient.invalidateQueries(trpc.review.decisions.pathFilter()),
          queryClient.invalidateQueries(trpc.review.activity.pathFilter()),
        ]);
      },
    }),
  );
  const canDecide = useCan("member");
  const [choice, setChoice] = useState<string>("none");
  const [rationale, setRationale] = useState("");
  const [current, ...history] = decisions.data ?? [];

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    decide.mutate({
      experimentId,
      strategy: choice === "none" ? null : (choice as StrategyKind),
      rationale,
    });
  }

  return (
    <section className="review-section" aria-labelledby="decision-heading">
      <h2 id="decision-heading">Decision</h2>
      {current ? (
        <div className="decision-current" role="status" aria-label="Current decision">
          <p>
            <strong>
              {current.strategy
                ? `Adopted: ${STRATEGY_LABELS[current.strategy]}`
                : "No strategy adopted yet"}
            </strong>{" "}
            <span className="muted small">
              by {current.decidedBy.name} on {formatDateTime(current.createdAt)}
            </span>
          </p>
          <Markdown text={current.rationale} />
          <DecisionBasisNote decision={current} />
        </div>
      ) : (
        <p className="muted">No decision yet.</p>
      )}
      {canDecide ? (
        <form className="decision-form" onSubmit={onSubmit} aria-label="Record a decision">
          <div className="field">
            <label htmlFor="decision-strategy">Adopted strategy</label>
            <select
              id="decision-strategy"
              value={choice}
              onChange={(e) => setChoice(e.target.value)}
            >
              <option value="none">None yet</option>
              {strategies.map((kind) => (
                <option key={kind} value={kind}>
                  {STRATEGY_LABELS[kind]}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="decision-rationale">Rationale</label>
            <textarea
              id="decision-rationale"
              rows={3}
              value={rationale}
              onChange={(e) => setRationale(e.target.value)}
              maxLength={MAX_RATIONALE_LENGTH}
              required
            />
          </div>
          <FormError message={decide.error?.message} />
          <div className="form-actions">
            <button
              type="submit"
              className="button button-primary"
              disabled={decide.isPending || rationale.trim() === ""}
            >
              {decide.isPending ? "Saving…" : "Record decision"}
            </button>
          </div>
        </form>
      ) : null}
      {history.length > 0 ? (
        <details className="decision-history">
          <summary>Earlier decisions ({history.length})</summary>
          <ol>
            {history.map((d) => (
              <li key={d.id}>
                <strong>{d.strategy ? STRATEGY_LABELS[d.strategy] : "None yet"}</strong>{" "}
                <span className="muted small">
                  by {d.decidedBy.name} on {formatDateTime(d.createdAt)}
                </span>
                <Markdown text={d.rationale} />
                <DecisionBasisNote decision={d} />
              </li>
            ))}
          </ol>
        </details>
      ) : null}
    </section>
  );
}

/**
 * What a decision was made on, and whether that still holds: "made on older numbers" with each
 * change when later runs (more seeds, a retry) moved the comparison since.
 */
function DecisionBasisNote({ decision }: { decision: DecisionDto }) {
  const { basis, drift } = decision;
  if (!basis)
    return (
      <p className="muted small">Made before decisions recorded the comparison they rest on.</p>
    );
  const made = basis.groups
    .map(
      (g) =>
        `${g.label} ${g.meanTestAccuracy === null ? "none" : g.meanTestAccuracy.toFixed(3)} (${g.n} seed${g.n === 1 ? "" : "s"})`,
    )
    .join(" · ");
  if (!drift)
    return (
      <p className="muted small" data-testid="decision-basis">
        Made on the current numbers: {made || "no finished run"}.
      </p>
    );
  return (
    <div className="decision-stale" role="note" aria-label="Made on older numbers">
      <p>
        <strong>Made on older numbers</strong>: {drift.headline}.
      </p>
      <ul>
        {drift.changes.map((change) => (
          <li key={change}>{change}</li>
        ))}
      </ul>
      <p className="muted small">At the decision: {made || "no finished run"}.</p>
    </div>
  );
}
