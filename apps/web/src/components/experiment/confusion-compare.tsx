"use client";

import { type ReactNode, useId } from "react";
import { STRATEGY_LABELS, type StrategyKind } from "@tlab/core/strategy";
import { rateDifference } from "@/lib/confusion";
import { ConfusionDifference, ConfusionMatrix } from "../confusion-matrix";

export interface MatrixEntry {
  key: string;
  label: string;
  matrix: number[][];
  classNames: string[];
}

/**
 * Two confusion matrices side by side (picked from `entries`) and their difference B − A in
 * percentage points of each true class. With one entry, just that matrix.
 */
export function ConfusionCompare({
  entries,
  a,
  b,
  onPick,
  note,
  emptyMessage = "Confusion matrices appear here when runs succeed.",
  onCellClick,
  selectedCell,
  children,
}: {
  entries: readonly MatrixEntry[];
  a: string;
  b: string;
  onPick: (a: string, b: string) => void;
  note?: string;
  /** Shown when no entry has a matrix. */
  emptyMessage?: string;
  /** Makes the difference's cells buttons (see ConfusionDifference). */
  onCellClick?: (label: number, predicted: number) => void;
  selectedCell?: { label: number; predicted: number } | null;
  /** Shown under the matrices (the gallery of the images behind them). */
  children?: ReactNode;
}) {
  const id = useId();
  if (entries.length === 0) return <p className="muted">{emptyMessage}</p>;
  const { left, right } = resolvePair(entries, a, b)!;
  const diff = right && sameClasses(left, right) ? rateDifference(left.matrix, right.matrix) : null;
  return (
    <div className="confusion-compare">
      {entries.length > 1 ? (
        <div className="toolbar" role="group" aria-label="Matrices to compare">
          <label htmlFor={`${id}-a`}>A</label>
          <select
            id={`${id}-a`}
            value={left.key}
            onChange={(e) => onPick(e.target.value, right?.key ?? "")}
          >
            {entries.map((e) => (
              <option key={e.key} value={e.key}>
                {e.label}
              </option>
            ))}
          </select>
          <label htmlFor={`${id}-b`}>B</label>
          <select
            id={`${id}-b`}
            value={right?.key ?? ""}
            onChange={(e) => onPick(left.key, e.target.value)}
          >
            {entries
              .filter((e) => e.key !== left.key)
              .map((e) => (
                <option key={e.key} value={e.key}>
                  {e.label}
                </option>
              ))}
          </select>
          {note ? <span className="muted">{note}</span> : null}
        </div>
      ) : null}
      <div className="matrix-grid">
        <ConfusionMatrix
          matrix={left.matrix}
          classNames={left.classNames}
          caption={`A: ${left.label}`}
        />
        {right ? (
          <ConfusionMatrix
            matrix={right.matrix}
            classNames={right.classNames}
            caption={`B: ${right.label}`}
          />
        ) : null}
        {right && diff ? (
          <ConfusionDifference
            diff={diff}
            classNames={left.classNames}
            caption="B − A (points of each true class)"
            onCellClick={onCellClick}
            selected={selectedCell}
          />
        ) : right ? (
          <p className="muted">These matrices have different classes; no difference is shown.</p>
        ) : null}
      </div>
      {children}
    </div>
  );
}

/** The matrices shown as A and B for the picked keys: A defaults to the first, B to another one. */
export function resolvePair(
  entries: readonly MatrixEntry[],
  a: string,
  b: string,
): { left: MatrixEntry; right: MatrixEntry | null } | null {
  const left = entries.find((e) => e.key === a) ?? entries[0];
  if (!left) return null;
  const right =
    entries.find((e) => e.key === b && e.key !== left.key) ??
    entries.find((e) => e.key !== left.key) ??
    null;
  return { left, right };
}

export function sameClasses(a: MatrixEntry, b: MatrixEntry): boolean {
  return (
    a.classNames.length === b.classNames.length &&
    a.classNames.every((c, i) => c === b.classNames[i])
  );
}

export function strategyMatrixLabel(kind: StrategyKind, seeds: number): string {
  return seeds > 1 ? `${STRATEGY_LABELS[kind]} (${seeds} seeds summed)` : STRATEGY_LABELS[kind];
}
