import { describeCut, STRATEGY_LABELS, type StrategyConfig, type StrategyKind } from "./strategy";

/**
 * The two transfer curves of an experiment, from its finished runs' test accuracies: accuracy
 * against weighted base layers trained (one line per label budget) and accuracy against labels
 * per class (one line per strategy setting), each point the mean over seeds with its spread.
 * Only succeeded runs count; a point says how many seeds it has (n), nothing is interpolated.
 */

export interface CurveRun {
  id: string;
  strategy: StrategyKind;
  config: StrategyConfig;
  seed: number;
  status: string;
  testAccuracy: number | null;
  trainPerClass: number | null;
  trainedBaseLayers: number | null;
}

export interface CurvePoint {
  x: number;
  mean: number;
  /** Sample standard deviation over seeds; null with one seed. */
  std: number | null;
  min: number;
  max: number;
  n: number;
}

export interface CurveLine {
  key: string;
  label: string;
  strategy: StrategyKind | null;
  points: CurvePoint[];
}

export interface Crossover {
  /** The line ahead at the smaller budgets, and the one ahead at the larger. */
  belowWinner: string;
  aboveWinner: string;
  /** Labels per class where the mean lines cross, interpolated on a log scale between two measured budgets. */
  labelsPerClass: number;
  /** Test accuracy at the crossing (on both lines). */
  accuracy: number;
  between: [number, number];
}

/** A setting of one strategy: the kind, and for partial runs the cut ("partial@conv2"). */
export function settingKey(config: StrategyConfig): string {
  if (config.kind !== "partial") return config.kind;
  return config.cut.by === "layer" ? `partial@${config.cut.layer}` : `partial@top${config.cut.k}`;
}

export function settingLabel(config: StrategyConfig): string {
  if (config.kind !== "partial") return STRATEGY_LABELS[config.kind];
  return `${STRATEGY_LABELS.partial} (${describeCut(config.cut)})`;
}

function summarize(x: number, values: number[]): CurvePoint {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const std =
    n < 2 ? null : Math.sqrt(values.reduce((acc, v) => acc + (v - mean) ** 2, 0) / (n - 1));
  return { x, mean, std, min: Math.min(...values), max: Math.max(...values), n };
}

function finished(runs: readonly CurveRun[]) {
  return runs.flatMap((r) =>
    r.status === "SUCCEEDED" && r.testAccuracy !== null && r.trainPerClass !== null
      ? [{ ...r, testAccuracy: r.testAccuracy, trainPerClass: r.trainPerClass }]
      : [],
  );
}

function pointsOf(groups: Map<number, number[]>): CurvePoint[] {
  return [...groups.entries()].sort((a, b) => a[0] - b[0]).map(([x, v]) => summarize(x, v));
}

function push(map: Map<number, number[]>, x: number, value: number): void {
  const list = map.get(x);
  if (list) list.push(value);
  else map.set(x, [value]);
}

/** Accuracy against weighted base layers trained (0 = frozen), one line per label budget. */
export function cutDepthCurves(runs: readonly CurveRun[]): CurveLine[] {
  const byBudget = new Map<number, Map<number, number[]>>();
  for (const r of finished(runs)) {
    if (r.trainedBaseLayers === null) continue;
    const groups = byBudget.get(r.trainPerClass) ?? new Map<number, number[]>();
    push(groups, r.trainedBaseLayers, r.testAccuracy);
    byBudget.set(r.trainPerClass, groups);
  }
  return [...byBudget.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([budget, groups]) => ({
      key: `budget-${budget}`,
      label: `${budget} labels per class`,
      strategy: null,
      points: pointsOf(groups),
    }));
}

/** The weighted base layers each setting trains, for naming the points of the cut-depth axis. */
export function depthLabels(runs: readonly CurveRun[]): Map<number, string> {
  const labels = new Map<number, string>();
  for (const r of runs)
    if (r.trainedBaseLayers !== null && !labels.has(r.trainedBaseLayers))
      labels.set(r.trainedBaseLayers, settingLabel(r.config));
  return labels;
}

const KIND_ORDER: Record<StrategyKind, number> = { frozen: 0, partial: 1, full: 2 };

/** Accuracy against labels per class, one line per strategy setting (each cut of a sweep its own). */
export function labelBudgetCurves(runs: readonly CurveRun[]): CurveLine[] {
  const bySetting = new Map<
    string,
    { config: StrategyConfig; depth: number; groups: Map<number, number[]> }
  >();
  for (const r of finished(runs)) {
    const key = settingKey(r.config);
    const entry = bySetting.get(key) ?? {
      config: r.config,
      depth: r.trainedBaseLayers ?? 0,
      groups: new Map<number, number[]>(),
    };
    push(entry.groups, r.trainPerClass, r.testAccuracy);
    bySetting.set(key, entry);
  }
  return [...bySetting.entries()]
    .sort(
      (a, b) =>
        KIND_ORDER[a[1].config.kind] - KIND_ORDER[b[1].config.kind] || a[1].depth - b[1].depth,
    )
    .map(([key, { config, groups }]) => ({
      key,
      label: settingLabel(config),
      strategy: config.kind,
      points: pointsOf(groups),
    }));
}

/**
 * Where the frozen extractor's mean line crosses each fine-tuned line over the label budgets both
 * were measured at: between two neighbouring budgets where the sign of their difference flips, at
 * the budget where the difference, interpolated linearly in log(labels), is zero. Ties at a
 * measured budget count as no crossing there.
 */
export function frozenCrossovers(lines: readonly CurveLine[]): Crossover[] {
  const frozen = lines.find((l) => l.strategy === "frozen");
  if (!frozen) return [];
  const out: Crossover[] = [];
  for (const other of lines) {
    if (other === frozen) continue;
    const shared = frozen.points.flatMap((f) => {
      const o = other.points.find((p) => p.x === f.x);
      return o ? [{ x: f.x, frozen: f.mean, other: o.mean }] : [];
    });
    for (let i = 0; i + 1 < shared.length; i++) {
      const a = shared[i]!;
      const b = shared[i + 1]!;
      const da = a.frozen - a.other;
      const db = b.frozen - b.other;
      if (da === 0 || db === 0 || Math.sign(da) === Math.sign(db)) continue;
      const t = da / (da - db);
      const logX = Math.log(a.x) + t * (Math.log(b.x) - Math.log(a.x));
      out.push({
        belowWinner: da > 0 ? frozen.label : other.label,
        aboveWinner: da > 0 ? other.label : frozen.label,
        labelsPerClass: Math.exp(logX),
        accuracy: a.frozen + t * (b.frozen - a.frozen),
        between: [a.x, b.x],
      });
    }
  }
  return out;
}

/** "about 17": two significant figures, as precise as an interpolation between budgets deserves. */
export function aboutLabels(value: number): string {
  return String(Number(value.toPrecision(2)));
}

/** "Frozen feature extractor wins below about 17 labels a class; Full fine-tune above (measured at 10 and 30)." */
export function describeCrossover(c: Crossover): string {
  return `${c.belowWinner} wins below about ${aboutLabels(c.labelsPerClass)} labels a class; ${c.aboveWinner} above (crossing between the measured ${c.between[0]} and ${c.between[1]})`;
}
