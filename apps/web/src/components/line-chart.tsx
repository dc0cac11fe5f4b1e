"use client";

import { useEffect, useMemo, useRef, useState } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

type Points = readonly { step: number; value: number }[];

export interface LineSeries {
  label: string;
  color: string;
  dash?: number[];
  /** Line width in CSS pixels (2 by default); thin lines suit individual seeds under a mean. */
  width?: number;
  points: Points;
  /** A shaded band around the line (e.g. mean ± 1 std across seeds), drawn in the line's colour. */
  band?: { lower: Points; upper: Points };
  /** Leave the line out of the hover readout (e.g. individual seeds shown under their mean). */
  quiet?: boolean;
}

export interface LineChartProps {
  title: string;
  series: readonly LineSeries[];
  xLabel?: string;
  yLabel?: string;
  height?: number;
  /** Bounds the auto-scaled y axis never crosses (e.g. [0, 1] for accuracy). */
  yBounds?: [number, number];
  /** uPlot's own legend (with the values under the cursor); off when the page shows a shared one. */
  legend?: boolean;
  /** A one-line readout of the values under the cursor, for charts without uPlot's legend. */
  readout?: boolean;
  /** Shown over the empty plot while no series has points yet. */
  emptyMessage?: string;
  /** Digits shown in the legend and readout values. */
  digits?: number;
  /** A log-scaled x axis (e.g. labels per class); every x must be positive. */
  xLog?: boolean;
}

/** Steps of all columns merged, with each column's value per step (null where it has none). */
export function alignColumns(columns: readonly Points[]): uPlot.AlignedData {
  const steps = [...new Set(columns.flatMap((c) => c.map((p) => p.step)))].sort((a, b) => a - b);
  const index = new Map(steps.map((step, i) => [step, i]));
  const aligned = columns.map((c) => {
    const column: (number | null)[] = new Array<number | null>(steps.length).fill(null);
    for (const p of c) column[index.get(p.step)!] = p.value;
    return column;
  });
  return [steps, ...aligned];
}

/** Steps of all series merged, with each series' value per step (null where it has none). */
export function alignSeries(series: readonly LineSeries[]): uPlot.AlignedData {
  return alignColumns(series.map((s) => s.points));
}

/** The data range plus 8% headroom, kept inside `bounds`; the bounds themselves when there is no data. */
export function paddedRange(
  min: number | null,
  max: number | null,
  bounds?: [number, number],
): [number, number] {
  if (min === null || max === null || !Number.isFinite(min) || !Number.isFinite(max)) {
    if (!bounds) return [0, 1];
    return [bounds[0], Number.isFinite(bounds[1]) ? bounds[1] : bounds[0] + 1];
  }
  const pad = max > min ? (max - min) * 0.08 : Math.max(Math.abs(max) * 0.05, 0.01);
  let lo = min - pad;
  let hi = max + pad;
  if (bounds) {
    lo = Math.max(bounds[0], lo);
    hi = Math.min(bounds[1], hi);
  }
  return [lo, hi];
}

/** A legend shared by several charts: a line sample (colour and dash) per series. */
export function ChartLegend({
  items,
  label,
}: {
  items: readonly Pick<LineSeries, "label" | "color" | "dash">[];
  label: string;
}) {
  return (
    <ul className="chart-legend" aria-label={label}>
      {items.map((item) => (
        <li key={item.label}>
          <svg width="28" height="10" aria-hidden="true">
            <line
              x1="1"
              y1="5"
              x2="27"
              y2="5"
              stroke={item.color}
              strokeWidth="2.5"
              strokeDasharray={item.dash?.join(" ")}
            />
          </svg>
          {item.label}
        </li>
      ))}
    </ul>
  );
}

/** `#2563eb` → `rgba(37, 99, 235, alpha)`. */
function withAlpha(hex: string, alpha: number): string {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) return hex;
  return `rgba(${parseInt(m[1]!, 16)}, ${parseInt(m[2]!, 16)}, ${parseInt(m[3]!, 16)}, ${alpha})`;
}

interface Layout {
  columns: Points[];
  /** For each LineSeries: its column, and its band's upper and lower columns (or -1). */
  slots: { line: number; upper: number; lower: number }[];
}

/** Each line becomes one uPlot series, plus two edge series when it has a band. */
function layoutOf(series: readonly LineSeries[]): Layout {
  const columns: Points[] = [];
  const slots = series.map((s) => {
    const line = columns.push(s.points) - 1;
    if (!s.band || s.band.upper.length === 0) return { line, upper: -1, lower: -1 };
    const upper = columns.push(s.band.upper) - 1;
    const lower = columns.push(s.band.lower) - 1;
    return { line, upper, lower };
  });
  return { columns, slots };
}

/**
 * A line chart over epochs, drawn by uPlot in the browser only (canvas: fast with thousands of
 * points). The plot is rebuilt when the set of series changes and only fed new data otherwise, so
 * live refreshes do not flicker. Bands are uPlot bands between two invisible edge series.
 */
export function LineChart({
  title,
  series,
  xLabel = "epoch",
  yLabel,
  height = 240,
  yBounds,
  legend = true,
  readout = false,
  emptyMessage = "No data yet",
  digits = 3,
  xLog = false,
}: LineChartProps) {
  const containerRef = useRef<HTMLDivElement>(null);
  const plotRef = useRef<uPlot | null>(null);
  const [cursorIndex, setCursorIndex] = useState<number | null>(null);
  const layout = useMemo(() => layoutOf(series), [series]);
  const data = useMemo(() => alignColumns(layout.columns), [layout]);
  const shapeKey =
    series
      .map(
        (s) =>
          `${s.label}|${s.color}|${(s.dash ?? []).join(",")}|${s.width ?? 2}|${s.band && s.band.upper.length > 0 ? "b" : ""}`,
      )
      .join(";") +
    `|${yBounds?.join(",") ?? ""}|${height}|${legend}|${xLabel}|${yLabel ?? ""}|${digits}|${xLog}`;
  const isEmpty = data[0].length === 0;

  // biome-ignore lint/correctness/useExhaustiveDependencies: keyed on shapeKey, which encodes every option read here; data goes through setData below.
  useEffect(() => {
    const container = containerRef.current;
    if (!container) return;
    const uSeries: uPlot.Series[] = [
      { label: xLabel, value: (_u, v) => (v === null ? "—" : String(v)) },
    ];
    const bands: uPlot.Band[] = [];
    series.forEach((s, i) => {
      const slot = layout.slots[i]!;
      uSeries.push({
        label: s.label,
        stroke: s.color,
        width: s.width ?? 2,
        dash: s.dash,
        spanGaps: true,
        points: { show: (s.width ?? 2) >= 2, size: 5, fill: s.color },
        value: (_u, v) => (v === null ? "—" : v.toFixed(digits)),
      });
      if (slot.upper >= 0) {
        const edge = (label: string): uPlot.Series => ({
          label,
          stroke: "transparent",
          width: 0,
          spanGaps: true,
          points: { show: false },
        });
        uSeries.push(edge(`${s.label} upper`), edge(`${s.label} lower`));
        bands.push({ series: [slot.upper + 1, slot.lower + 1], fill: withAlpha(s.color, 0.16) });
      }
    });
    const options: uPlot.Options = {
      width: Math.max(200, container.clientWidth),
      height,
      scales: {
        x: xLog ? { time: false, distr: 3, log: 10 } : { time: false },
        y: { range: (_u, min, max) => paddedRange(min, max, yBounds) },
      },
      axes: [
        {
          label: xLabel,
          stroke: "#4b5563",
          grid: { stroke: "#eef0f3" },
          ticks: { stroke: "#d1d5db" },
          ...(xLog
            ? {}
            : {
                incrs: [
                  1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000,
                ],
              }),
        },
        {
          label: yLabel,
          stroke: "#4b5563",
          grid: { stroke: "#eef0f3" },
          ticks: { stroke: "#d1d5db" },
          size: 56,
        },
      ],
      series: uSeries,
      bands,
      legend: { show: legend, live: true },
      cursor: { drag: { x: false, y: false } },
      hooks: { setCursor: [(u) => setCursorIndex(u.cursor.idx ?? null)] },
    };
    const plot = new uPlot(options, alignColumns(layout.columns), container);
    plotRef.current = plot;
    const observer = new ResizeObserver(() =>
      plot.setSize({ width: Math.max(200, container.clientWidth), height }),
    );
    observer.observe(container);
    return () => {
      observer.disconnect();
      plot.destroy();
      plotRef.current = null;
    };
    // Deliberately keyed on the shape only: new data for the same series goes through setData below.
  }, [shapeKey, xLog]);

  useEffect(() => {
    plotRef.current?.setData(data);
  }, [data]);

  const readoutText = useMemo(() => {
    if (!readout || cursorIndex === null || isEmpty) return null;
    const step = data[0][cursorIndex];
    if (step === undefined) return null;
    const parts = series.flatMap((s, i) => {
      if (s.quiet) return [];
      const slot = layout.slots[i]!;
      const v = data[slot.line + 1]?.[cursorIndex];
      if (v === null || v === undefined) return [];
      const hi = slot.upper >= 0 ? data[slot.upper + 1]?.[cursorIndex] : null;
      const lo = slot.lower >= 0 ? data[slot.lower + 1]?.[cursorIndex] : null;
      const spread =
        hi !== null && hi !== undefined && lo !== null && lo !== undefined
          ? ` [${lo.toFixed(digits)}–${hi.toFixed(digits)}]`
          : "";
      return [`${s.label} ${v.toFixed(digits)}${spread}`];
    });
    return `${xLabel} ${step}: ${parts.join(" · ") || "no value"}`;
  }, [readout, cursorIndex, isEmpty, data, series, layout, xLabel, digits]);

  return (
    <figure className="chart" aria-label={title}>
      <figcaption>{title}</figcaption>
      <div className="chart-body" style={{ minHeight: height }}>
        <div className="chart-canvas" ref={containerRef} />
        {isEmpty ? <p className="chart-empty">{emptyMessage}</p> : null}
      </div>
      {readout ? (
        <p className="chart-readout">{readoutText ?? "Point at the chart to read its values."}</p>
      ) : null}
    </figure>
  );
}
