import { z } from "zod";
import { RunStatus, TERMINAL_STATUSES } from "./run";
import { STRATEGY_LABELS, type StrategyConfig, StrategyKind } from "./strategy";
import { settingKey, settingLabel } from "./transfer-curves";

/**
 * The comparison a review decision was made on, recorded with it: each run as it stood (attempt,
 * status, test accuracy) and, per strategy (per setting and budget in a sweep or a ladder), the
 * mean test accuracy of its succeeded runs and how many there were. Comparing it with the runs
 * as they stand now tells whether the decision was made on older numbers, and what changed.
 */

export const BasisRun = z.object({
  id: z.string(),
  strategy: StrategyKind,
  group: z.string(),
  seed: z.number().int(),
  attempt: z.number().int(),
  status: RunStatus,
  testAccuracy: z.number().nullable(),
});
export type BasisRun = z.infer<typeof BasisRun>;

export const BasisGroup = z.object({
  key: z.string(),
  label: z.string(),
  strategy: StrategyKind,
  /** Mean test accuracy of the group's succeeded runs; null while none has succeeded. */
  meanTestAccuracy: z.number().nullable(),
  /** Succeeded runs (seeds) in the mean. */
  n: z.number().int(),
});
export type BasisGroup = z.infer<typeof BasisGroup>;

export const DecisionBasis = z.object({
  groups: z.array(BasisGroup),
  runs: z.array(BasisRun),
});
export type DecisionBasis = z.infer<typeof DecisionBasis>;

/** What changed since a decision: one line per change, newest numbers last in each. */
export interface BasisDrift {
  /** "made on 2 seeds; now 3 seeds" (or on runs: when the counts differ between strategies). */
  headline: string;
  changes: string[];
}

export interface BasisSource {
  id: string;
  strategy: StrategyKind;
  config: StrategyConfig;
  seed: number;
  attempt: number;
  status: RunStatus;
  testAccuracy: number | null;
  trainPerClass: number | null;
}

const KIND_ORDER: Record<StrategyKind, number> = { frozen: 0, partial: 1, full: 2 };

/** The comparison as it stands for these runs (an experiment's). */
export function decisionBasis(runs: readonly BasisSource[]): DecisionBasis {
  const settingsPerKind = new Map<StrategyKind, Set<string>>();
  for (const r of runs) {
    const set = settingsPerKind.get(r.strategy) ?? new Set<string>();
    set.add(settingKey(r.config));
    settingsPerKind.set(r.strategy, set);
  }
  const budgets = new Set(runs.map((r) => r.trainPerClass));
  // Plain experiments group by strategy; a sweep or a ladder by setting and budget, since a mean
  // over different cuts or label budgets would compare nothing.
  const groupOf = (r: BasisSource) => {
    const several = (settingsPerKind.get(r.strategy)?.size ?? 0) > 1;
    const key = [several ? settingKey(r.config) : r.strategy];
    const label = [several ? settingLabel(r.config) : STRATEGY_LABELS[r.strategy]];
    if (budgets.size > 1) {
      key.push(`n=${r.trainPerClass}`);
      label.push(`${r.trainPerClass} labels per class`);
    }
    return { key: key.join("|"), label: label.join(" · ") };
  };
  const groups = new Map<string, BasisGroup & { values: number[] }>();
  const basisRuns: BasisRun[] = [];
  for (const r of runs) {
    const { key, label } = groupOf(r);
    const group = groups.get(key) ?? {
      key,
      label,
      strategy: r.strategy,
      meanTestAccuracy: null,
      n: 0,
      values: [],
    };
    if (r.status === "SUCCEEDED" && r.testAccuracy !== null) group.values.push(r.testAccuracy);
    groups.set(key, group);
    basisRuns.push({
      id: r.id,
      strategy: r.strategy,
      group: key,
      seed: r.seed,
      attempt: r.attempt,
      status: r.status,
      testAccuracy: r.testAccuracy,
    });
  }
  return {
    groups: [...groups.values()]
      .sort((a, b) => KIND_ORDER[a.strategy] - KIND_ORDER[b.strategy])
      .map(({ values, ...g }) => ({
        ...g,
        n: values.length,
        meanTestAccuracy:
          values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length,
      })),
    runs: basisRuns,
  };
}

function seedsText(groups: readonly BasisGroup[]): string {
  const ns = [...new Set(groups.map((g) => g.n))].sort((a, b) => a - b);
  const word = (n: number) => `${n} seed${n === 1 ? "" : "s"}`;
  if (ns.length === 0) return "no finished run";
  if (ns.length === 1) return word(ns[0]!);
  return `${ns[0]}–${ns[ns.length - 1]} seeds per strategy`;
}

/** Two accuracies with enough digits to show they differ (3, or more when they agree to 3). */
function pairText(before: number | null, after: number | null): [string, string] {
  if (before === null || after === null)
    return [before?.toFixed(3) ?? "none", after?.toFixed(3) ?? "none"];
  let digits = 3;
  while (digits < 8 && before !== after && before.toFixed(digits) === after.toFixed(digits))
    digits += 1;
  return [before.toFixed(digits), after.toFixed(digits)];
}

/**
 * What changed between the basis a decision was made on and the comparison now; null when
 * nothing did. A change of a group's mean or seed count, a run retried (its attempt moved) or
 * whose result changed, and runs added or gone each give a line.
 */
export function basisDrift(made: DecisionBasis, now: DecisionBasis): BasisDrift | null {
  const changes: string[] = [];
  const before = new Map(made.groups.map((g) => [g.key, g]));
  for (const g of now.groups) {
    const old = before.get(g.key);
    if (!old) {
      changes.push(`${g.label}: new since the decision`);
      continue;
    }
    if (old.meanTestAccuracy === g.meanTestAccuracy && old.n === g.n) continue;
    const [a, b] = pairText(old.meanTestAccuracy, g.meanTestAccuracy);
    changes.push(
      old.n === g.n
        ? `${g.label} ${a} → ${b} (${g.n} seed${g.n === 1 ? "" : "s"})`
        : `${g.label} ${a} (${old.n} seed${old.n === 1 ? "" : "s"}) → ${b} (${g.n} seed${g.n === 1 ? "" : "s"})`,
    );
  }
  const nowKeys = new Set(now.groups.map((g) => g.key));
  for (const g of made.groups)
    if (!nowKeys.has(g.key)) changes.push(`${g.label}: its runs are gone`);

  const labelOf = new Map(now.groups.map((g) => [g.key, g.label]));
  const then = new Map(made.runs.map((r) => [r.id, r]));
  for (const r of now.runs) {
    const old = then.get(r.id);
    const who = `${labelOf.get(r.group) ?? STRATEGY_LABELS[r.strategy]} seed ${r.seed}`;
    if (!old) continue;
    // A first claim (attempt 0 → 1) is a run that was waiting at the decision and has trained
    // since: it shows in its group's numbers. A later attempt trained it again.
    if (r.attempt !== old.attempt && old.attempt > 0)
      changes.push(
        `${who} retried (attempt ${old.attempt} → ${r.attempt}, ${old.status.toLowerCase()} → ${r.status.toLowerCase()})`,
      );
    // A finished run that is queued again was retried and not yet claimed; runs that were still
    // training at the decision and finished since show in their group's numbers instead.
    else if (r.status !== old.status && TERMINAL_STATUSES.includes(old.status))
      changes.push(
        `${who} ${old.status.toLowerCase()} → ${r.status.toLowerCase()}${r.status === "QUEUED" ? " (retry asked for)" : ""}`,
      );
    else if (
      r.status === old.status &&
      r.testAccuracy !== old.testAccuracy &&
      old.testAccuracy !== null
    ) {
      const [a, b] = pairText(old.testAccuracy, r.testAccuracy);
      changes.push(`${who} result changed ${a} → ${b}`);
    }
  }
  const ids = new Set(now.runs.map((r) => r.id));
  const gone = made.runs.filter((r) => !ids.has(r.id)).length;
  if (gone > 0)
    changes.push(
      gone === 1
        ? "1 run of the basis no longer exists"
        : `${gone} runs of the basis no longer exist`,
    );
  if (changes.length === 0) return null;
  const [then_, now_] = [seedsText(made.groups), seedsText(now.groups)];
  return {
    headline:
      then_ === now_
        ? `made on ${then_}, as now, but the runs changed since`
        : `made on ${then_}; now ${now_}`,
    changes,
  };
}
