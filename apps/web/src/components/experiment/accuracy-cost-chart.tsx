import { STRATEGY_LABELS, type StrategyKind } from "@tlab/core/strategy";
import { formatDuration, formatInteger, formatPercent } from "@/lib/format";
import { dominatorOf, paretoFront, type CostPoint } from "@/lib/pareto";
import type { StrategySummary } from "@/lib/strategy-summary";
import { STRATEGY_COLORS } from "@/lib/strategy-style";
import { STRATEGY_SHORT_LABELS } from "../strategy-name";

export type CostAxis = "time" | "params";

export const COST_AXIS_LABELS: Record<CostAxis, string> = {
  time: "Wall time",
  params: "Trainable parameters",
};

const W = 640;
const H = 300;
const M = { left: 58, right: 70, top: 18, bottom: 46 };

interface Datum {
  strategy: StrategyKind;
  cost: number;
  costStd: number | null;
  accuracy: number;
  accuracyStd: number | null;
}

function niceTicks(lo: number, hi: number, count: number): number[] {
  const span = hi - lo;
  if (span <= 0) return [lo];
  const raw = span / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => span / s <= count) ?? raw;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step)
    ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

/**
 * Test accuracy against cost per strategy (mean over seeds, bars ± 1 std). Strategies on the
 * Pareto front (nothing else is both cheaper and more accurate) are filled and joined by the
 * frontier; dominated ones are hollow and say which strategy beats them.
 */
export function AccuracyCostChart({
  summaries,
  axis,
}: {
  summaries: readonly StrategySummary[];
  axis: CostAxis;
}) {
  const data: Datum[] = summaries.flatMap((s) => {
    const accuracy = s.accuracy.mean;
    const cost = axis === "time" ? s.wallTimeMs.mean : s.trainableParams;
    if (accuracy === null || cost === null) return [];
    return [
      {
        strategy: s.strategy,
        cost,
        costStd: axis === "time" ? s.wallTimeMs.std : null,
        accuracy,
        accuracyStd: s.accuracy.std,
      },
    ];
  });
  if (data.length === 0) {
    return (
      <div className="cost-chart cost-chart-empty">
        <p className="muted">Accuracy against cost appears when runs succeed.</p>
      </div>
    );
  }
  const points: CostPoint[] = data.map((d) => ({
    id: d.strategy,
    cost: d.cost,
    accuracy: d.accuracy,
  }));
  const front = paretoFront(points);

  // x: linear from 0 for time; log for parameters, which span orders of magnitude between strategies.
  const log = axis === "params";
  const costs = data.flatMap((d) => [d.cost - (d.costStd ?? 0), d.cost + (d.costStd ?? 0)]);
  const xLo = log ? Math.log10(Math.max(1, Math.min(...costs)) / 2) : 0;
  const xHi = log ? Math.log10(Math.max(...costs) * 2) : Math.max(...costs) * 1.12 || 1;
  const accs = data.flatMap((d) => [
    d.accuracy - (d.accuracyStd ?? 0),
    d.accuracy + (d.accuracyStd ?? 0),
  ]);
  const pad = Math.max(0.01, (Math.max(...accs) - Math.min(...accs)) * 0.2);
  const yLo = Math.max(0, Math.min(...accs) - pad);
  const yHi = Math.min(1, Math.max(...accs) + pad);
  const x = (v: number) =>
    M.left +
    (((log ? Math.log10(Math.max(v, 1e-9)) : v) - xLo) / (xHi - xLo || 1)) * (W - M.left - M.right);
  const y = (v: number) => H - M.bottom - ((v - yLo) / (yHi - yLo || 1)) * (H - M.top - M.bottom);

  const xTicks = log
    ? Array.from(
        { length: Math.floor(xHi) - Math.ceil(xLo) + 1 },
        (_, i) => 10 ** (Math.ceil(xLo) + i),
      )
    : niceTicks(0, xHi, 5);
  const yTicks = niceTicks(yLo, yHi, 5);
  const formatCost = (v: number) => (axis === "time" ? formatDuration(v) : formatInteger(v));
  const frontier = data.filter((d) => front.has(d.strategy)).sort((a, b) => a.cost - b.cost);
  const clampX = (v: number) => Math.min(W - M.right, Math.max(M.left, x(v)));
  // Each point is labelled with its short name, right of it; a label that would cover another
  // point or label goes above its point instead, then below.
  const placed: { x: number; y: number; w: number }[] = [];
  const labelAt = new Map<StrategyKind, { x: number; y: number; anchor: "start" | "middle" }>();
  const overlaps = (bx: number, by: number, bw: number) =>
    placed.some((p) => bx < p.x + p.w && bx + bw > p.x && Math.abs(by - p.y) < 15) ||
    data.some((d) => {
      const px = x(d.cost);
      const py = y(d.accuracy);
      return px + 8 > bx && px - 8 < bx + bw && Math.abs(py - by) < 12;
    });
  for (const d of [...data].sort((a, b) => y(a.accuracy) - y(b.accuracy))) {
    const cx = x(d.cost);
    const cy = y(d.accuracy);
    const text = STRATEGY_SHORT_LABELS[d.strategy];
    const w = text.length * 7 + 6;
    const candidates = [
      { x: cx + 11, y: cy, anchor: "start" as const, bx: cx + 11 },
      { x: cx, y: cy - 17, anchor: "middle" as const, bx: cx - w / 2 },
      { x: cx, y: cy + 19, anchor: "middle" as const, bx: cx - w / 2 },
      { x: cx - 11 - w, y: cy, anchor: "start" as const, bx: cx - 11 - w },
    ];
    const pick = candidates.find((c) => !overlaps(c.bx, c.y, w)) ?? candidates[0]!;
    placed.push({ x: pick.bx, y: pick.y, w });
    labelAt.set(d.strategy, { x: pick.x, y: pick.y, anchor: pick.anchor });
  }

  return (
    <div className="cost-chart">
      <svg
        viewBox={`0 0 ${W} ${H}`}
        role="img"
        aria-labelledby="cost-chart-title"
        preserveAspectRatio="xMidYMid meet"
      >
        <title id="cost-chart-title">{`Test accuracy against ${COST_AXIS_LABELS[axis].toLowerCase()} per strategy`}</title>
        {yTicks.map((t) => (
          <g key={`y${t}`}>
            <line x1={M.left} x2={W - M.right} y1={y(t)} y2={y(t)} className="grid" />
            <text
              x={M.left - 8}
              y={y(t)}
              className="tick"
              textAnchor="end"
              dominantBaseline="middle"
            >
              {formatPercent(t, 0)}
            </text>
          </g>
        ))}
        {xTicks.map((t) => (
          <g key={`x${t}`}>
            <line y1={M.top} y2={H - M.bottom} x1={x(t)} x2={x(t)} className="grid" />
            <text x={x(t)} y={H - M.bottom + 16} className="tick" textAnchor="middle">
              {formatCost(t)}
            </text>
          </g>
        ))}
        <text x={(M.left + W - M.right) / 2} y={H - 6} className="axis-label" textAnchor="middle">
          {COST_AXIS_LABELS[axis]}
          {log ? " (log scale)" : ""} → cheaper to the left
        </text>
        <text
          transform={`translate(14 ${(M.top + H - M.bottom) / 2}) rotate(-90)`}
          className="axis-label"
          textAnchor="middle"
        >
          test accuracy
        </text>
        {frontier.length > 1 ? (
          <polyline
            className="frontier"
            points={frontier.map((d) => `${x(d.cost)},${y(d.accuracy)}`).join(" ")}
          />
        ) : null}
        {data.map((d) => {
          const color = STRATEGY_COLORS[d.strategy];
          const onFront = front.has(d.strategy);
          const cx = x(d.cost);
          const cy = y(d.accuracy);
          return (
            <g key={d.strategy} className={onFront ? "point point-front" : "point point-dominated"}>
              {d.accuracyStd !== null ? (
                <g stroke={color} strokeWidth={1.5}>
                  <line
                    x1={cx}
                    x2={cx}
                    y1={y(d.accuracy - d.accuracyStd)}
                    y2={y(d.accuracy + d.accuracyStd)}
                  />
                  <line
                    x1={cx - 4}
                    x2={cx + 4}
                    y1={y(d.accuracy - d.accuracyStd)}
                    y2={y(d.accuracy - d.accuracyStd)}
                  />
                  <line
                    x1={cx - 4}
                    x2={cx + 4}
                    y1={y(d.accuracy + d.accuracyStd)}
                    y2={y(d.accuracy + d.accuracyStd)}
                  />
                </g>
              ) : null}
              {d.costStd !== null && d.costStd > 0 ? (
                <line
                  stroke={color}
                  strokeWidth={1.5}
                  x1={clampX(d.cost - d.costStd)}
                  x2={clampX(d.cost + d.costStd)}
                  y1={cy}
                  y2={cy}
                />
              ) : null}
              <circle
                cx={cx}
                cy={cy}
                r={7}
                fill={onFront ? color : "#fff"}
                stroke={color}
                strokeWidth={2.5}
                strokeDasharray={onFront ? undefined : "3 2"}
              />
              <text
                x={labelAt.get(d.strategy)!.x}
                y={labelAt.get(d.strategy)!.y}
                className="point-label"
                dominantBaseline="middle"
                textAnchor={labelAt.get(d.strategy)!.anchor}
              >
                {STRATEGY_SHORT_LABELS[d.strategy]}
              </text>
              <title>{`${STRATEGY_LABELS[d.strategy]}: ${formatPercent(d.accuracy)} for ${formatCost(d.cost)}${onFront ? "" : " (dominated)"}`}</title>
            </g>
          );
        })}
      </svg>
      <ul className="cost-notes">
        {data.map((d) => {
          const dominator = front.has(d.strategy)
            ? null
            : dominatorOf({ id: d.strategy, cost: d.cost, accuracy: d.accuracy }, points);
          return (
            <li key={d.strategy}>
              <strong>{STRATEGY_LABELS[d.strategy]}</strong>:{" "}
              {dominator
                ? `dominated — ${STRATEGY_LABELS[dominator.id as StrategyKind]} is at least as accurate (${formatPercent(dominator.accuracy)}) for less ${axis === "time" ? "time" : "trainable parameters"}.`
                : `on the frontier (${formatPercent(d.accuracy)} for ${formatCost(d.cost)}${axis === "params" ? " trainable parameters" : ""}).`}
            </li>
          );
        })}
      </ul>
    </div>
  );
}
