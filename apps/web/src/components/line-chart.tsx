"use client";

import { useEffect, useMemo, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

export interface LineSeries {
  label: string;
  color: string;
  dash?: number[];
  points: readonly { step: number; value: number }[];
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
  /** Shown over the empty plot while no series has points yet. */
  emptyMessage?: string;
  /** Digits shown in the legend values. */
  digits?: number;
}

/** Steps of all series merged, with each series' value per step (null where it has none). */
export function alignSeries(series: readonly LineSeries[]): uPlot.AlignedData {
  const steps = [...new Set(series.flatMap((s) => s.points.map((p) => p.step)))].sort((a, b) => a - b);
  const index = new Map(steps.map((step, i) => [step, i]));
  const columns = series.map((s) => {
    const column: (number | null)[] = new Array<number | null>(steps.length).fill(null);
    for (const p of s.points) column[index.get(p.step)!] = p.value;
    return column;
  });
  return [steps, ...columns];
}

/** The data range plus 8% headroom, kept inside `bounds`; the bounds themselves when there is no data. */
export function paddedRange(min: number | null, max: number | null, bounds?: [number, number]): [number, number] {
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
export function ChartLegend({ items, label }: { items: readonly Pick<LineSeries, "label" | "color" | "dash">[]; label: string }) {
  return (
    <ul className="chart-legend" aria-label={label}>
      {items.map((item) => (
        <li key={item.label}>
          <svg width="28" height="10" aria-hidden="true">
            <line x1="1" y1="5" x2="27" y2="5" stroke={item.color} strokeWidth="2.5" strokeDasharray={item.dash?.join(" ")} />
          </svg>
          {item.label}
        </li>
      ))}
    </ul>
  );
}

/**
 * A line chart over epochs, drawn by uPlot in the browser only. The plot is rebuilt when the set
 * of series changes and only fed new data otherwise, so live refreshes do not flicker.
 */
export function LineChart({ title, series, xLabel = "epoch", yLabel, height = 240, yBounds, legend = true, emptyMessage = "No data yet", digits = 3 }: LineChartProps) {
  const containerRef = useRef<HTMLDivElement>(null);
  const plotRef = useRef<uPlot | null>(null);
  const data = useMemo(() => alignSeries(series), [series]);
  const shapeKey = series.map((s) => `${s.label}|${s.color}|${(s.dash ?? []).join(",")}`).join(";") + `|${yBounds?.join(",") ?? ""}|${height}|${legend}|${xLabel}|${yLabel ?? ""}|${digits}`;
  const isEmpty = data[0].length === 0;

  useEffect(() => {
    const container = containerRef.current;
    if (!container) return;
    const options: uPlot.Options = {
      width: Math.max(200, container.clientWidth),
      height,
      scales: { x: { time: false }, y: { range: (_u, min, max) => paddedRange(min, max, yBounds) } },
      axes: [
        { label: xLabel, stroke: "#4b5563", grid: { stroke: "#eef0f3" }, ticks: { stroke: "#d1d5db" }, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] },
        { label: yLabel, stroke: "#4b5563", grid: { stroke: "#eef0f3" }, ticks: { stroke: "#d1d5db" }, size: 56 },
      ],
      series: [
        { label: xLabel, value: (_u, v) => (v === null ? "—" : String(v)) },
        ...series.map(
          (s): uPlot.Series => ({
            label: s.label,
            stroke: s.color,
            width: 2,
            dash: s.dash,
            spanGaps: true,
            points: { show: true, size: 5, fill: s.color },
            value: (_u, v) => (v === null ? "—" : v.toFixed(digits)),
          }),
        ),
      ],
      legend: { show: legend, live: true },
      cursor: { drag: { x: false, y: false } },
    };
    const plot = new uPlot(options, alignSeries(series), container);
    plotRef.current = plot;
    const observer = new ResizeObserver(() => plot.setSize({ width: Math.max(200, container.clientWidth), height }));
    observer.observe(container);
    return () => {
      observer.disconnect();
      plot.destroy();
      plotRef.current = null;
    };
    // Deliberately keyed on the shape only: new data for the same series goes through setData below.
  }, [shapeKey]);

  useEffect(() => {
    plotRef.current?.setData(data);
  }, [data]);

  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <div className="chart-body">
        <div className="chart-canvas" ref={containerRef} />
        {isEmpty ? <p className="chart-empty">{emptyMessage}</p> : null}
      </div>
    </figure>
  );
}
