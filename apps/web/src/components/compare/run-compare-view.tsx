"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useId } from "react";
import { LEARNING_RATE_METRIC, METRIC } from "@tlab/core/run";
import { formatPValue } from "@tlab/core/comparison-text";
import { STRATEGY_LABELS } from "@tlab/core/strategy";
import type { ComparedRunDto, RunComparisonDto } from "@tlab/core/table-queries";
import { formatBytes, formatDuration, formatInteger, formatPercent, isActive } from "@/lib/format";
import { runColor, runDash } from "@/lib/run-palette";
import { useUrlParams } from "@/lib/use-url-params";
import { LIVE_REFRESH_MS, useTRPC } from "@/trpc/react";
import { ConfigDiffTable } from "../config-diff-table";
import { ConfusionCompare, type MatrixEntry } from "../experiment/confusion-compare";
import { ChartLegend, LineChart, type LineSeries } from "../line-chart";
import { StatusBadge } from "../status-badge";

const METRIC_LABELS: Record<string, string> = {
  [METRIC.valAccuracy]: "Validation accuracy",
  [METRIC.valLoss]: "Validation loss",
  [METRIC.trainLoss]: "Training loss",
  [METRIC.trainAccuracy]: "Training accuracy",
  [METRIC.epochSeconds]: "Seconds per epoch",
  [LEARNING_RATE_METRIC]: "Learning rate (head)",
};

/** "Experiment · Strategy · seed n"; without the experiment when every run comes from the same one. */
const signedPoints = (x: number) => `${x >= 0 ? "+" : "−"}${Math.abs(x * 100).toFixed(1)}`;

function labeller(runs: readonly ComparedRunDto[]): (entry: ComparedRunDto) => string {
  const oneExperiment = new Set(runs.map((r) => r.run.experimentId)).size === 1;
  return (entry) =>
    `${oneExperiment ? "" : `${entry.run.experimentName} · `}${STRATEGY_LABELS[entry.run.strategy]} · seed ${entry.run.seed}`;
}

type Column = {
  key: string;
  title: string;
  better: "max" | "min";
  value: (e: ComparedRunDto) => number | null;
  format: (v: number | null) => string;
};

const COLUMNS: Column[] = [
  {
    key: "acc",
    title: "Test accuracy",
    better: "max",
    value: (e) => e.run.testAccuracy,
    format: (v) => formatPercent(v),
  },
  {
    key: "epoch",
    title: "Best epoch",
    better: "min",
    value: (e) => e.finalMetrics?.bestEpoch ?? null,
    format: (v) => (v === null ? "—" : String(v)),
  },
  {
    key: "time",
    title: "Wall time",
    better: "min",
    value: (e) => e.finalMetrics?.wallTimeMs ?? e.run.wallTimeMs,
    format: formatDuration,
  },
  {
    key: "ips",
    title: "Images/s",
    better: "max",
    value: (e) => e.finalMetrics?.trainImagesPerSec ?? null,
    format: formatInteger,
  },
  {
    key: "params",
    title: "Trainable parameters",
    better: "min",
    value: (e) => e.run.trainableParams,
    format: formatInteger,
  },
  {
    key: "mem",
    title: "Peak tensor memory",
    better: "min",
    value: (e) => e.finalMetrics?.peakMemoryBytes ?? null,
    format: formatBytes,
  },
];

function bestOf(runs: readonly ComparedRunDto[], column: Column): number | null {
  const values = runs.flatMap((r) => {
    const v = column.value(r);
    return v === null ? [] : [v];
  });
  if (values.length < 2) return null;
  return column.better === "max" ? Math.max(...values) : Math.min(...values);
}

/**
 * Any runs side by side, across experiments. Everything the view shows is in the URL (`runs`,
 * `metric`, `cm`), so a copied link reproduces it.
 */
export function RunCompareView({
  runIds,
  initial,
}: {
  runIds: string[];
  initial: RunComparisonDto;
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const metricId = useId();
  const [params, setParams] = useUrlParams();
  const { data } = useQuery(
    trpc.run.compare.queryOptions(
      { runIds },
      {
        initialData: initial,
        refetchInterval: (q) =>
          q.state.data?.runs.some((r) => isActive(r.run.status)) ? LIVE_REFRESH_MS : false,
      },
    ),
  );
  const runs = data.runs;
  const label = labeller(runs);
  const experimentNames = [...new Set(runs.map((r) => r.run.experimentName))];
  const names = [...new Set(runs.flatMap((r) => r.metrics.map((m) => m.name)))].sort(
    (a, b) => (METRIC_LABELS[a] ? 0 : 1) - (METRIC_LABELS[b] ? 0 : 1) || a.localeCompare(b),
  );
  const metric = names.includes(params.get("metric") ?? "")
    ? params.get("metric")!
    : names.includes(METRIC.valAccuracy)
      ? METRIC.valAccuracy
      : (names[0] ?? METRIC.valAccuracy);
  const isAccuracy = metric.endsWith("accuracy");
  const lines: LineSeries[] = runs.map((r, i) => ({
    label: label(r),
    color: runColor(i),
    dash: runDash(i),
    points: r.metrics.find((m) => m.name === metric)?.points ?? [],
  }));
  const remove = (id: string) => {
    const next = runIds.filter((r) => r !== id);
    // The selection is the page's input: a new one loads a new comparison.
    router.push(`/compare?runs=${next.join(",")}&metric=${encodeURIComponent(metric)}`);
  };
  const matrices: MatrixEntry[] = runs.flatMap((r) =>
    r.finalMetrics
      ? [
          {
            key: r.run.id,
            label: label(r),
            matrix: r.finalMetrics.confusionMatrix,
            classNames: r.finalMetrics.classNames,
          },
        ]
      : [],
  );
  const [cmA, cmB] = (params.get("cm") ?? "").split(",");

  return (
    <>
      <div className="page-header">
        <div>
          <p className="breadcrumb">
            <Link href="/runs">Runs</Link> /
          </p>
          <h1>
            Comparing {runs.length} run{runs.length === 1 ? "" : "s"}
          </h1>
          <p className="subtitle">
            {experimentNames.length === 1
              ? `All from “${experimentNames[0]}”.`
              : `From ${experimentNames.length} experiments.`}{" "}
            The link holds the selection and the view.
          </p>
        </div>
        <Link href="/runs" className="button">
          Pick other runs
        </Link>
      </div>
      {data.missing.length > 0 ? (
        <p className="notice">
          {data.missing.length} run{data.missing.length === 1 ? "" : "s"} in the link no longer
          exist{data.missing.length === 1 ? "s" : ""}: {data.missing.join(", ")}
        </p>
      ) : null}

      <ul className="run-chips" aria-label="Compared runs">
        {runs.map((r, i) => (
          <li key={r.run.id}>
            <span className="swatch" style={{ background: runColor(i) }} aria-hidden="true" />
            <Link href={`/runs/${r.run.id}`}>{label(r)}</Link>{" "}
            <StatusBadge status={r.run.status} cancelRequested={r.run.cancelRequested} />
            {runs.length > 1 ? (
              <button
                type="button"
                className="chip-remove"
                aria-label={`Remove ${label(r)} from the comparison`}
                onClick={() => remove(r.run.id)}
              >
                ×
              </button>
            ) : null}
          </li>
        ))}
      </ul>

      <section aria-labelledby="compare-curves">
        <div className="section-head">
          <h2 id="compare-curves">Curves</h2>
          <div className="toolbar">
            <label htmlFor={metricId}>Metric</label>
            <select
              id={metricId}
              value={metric}
              onChange={(e) => setParams({ metric: e.target.value })}
            >
              {(names.length > 0 ? names : [metric]).map((n) => (
                <option key={n} value={n}>
                  {METRIC_LABELS[n] ?? n}
                </option>
              ))}
            </select>
          </div>
        </div>
        <ChartLegend items={lines} label="Runs in the chart" />
        <LineChart
          title={`${METRIC_LABELS[metric] ?? metric} per epoch`}
          series={lines}
          yLabel={metric}
          yBounds={isAccuracy ? [0, 1] : [0, Infinity]}
          legend={false}
          readout
          height={320}
          emptyMessage={
            runs.some((r) => isActive(r.run.status))
              ? "No points yet for this metric."
              : "None of these runs recorded this metric."
          }
        />
      </section>

      <section aria-labelledby="compare-summary">
        <h2 id="compare-summary">Results</h2>
        <div className="table-scroll">
          <table className="data-table summary-table">
            <caption className="visually-hidden">
              Results of the compared runs; the best value of each column is marked “best”.
            </caption>
            <thead>
              <tr>
                <th scope="col">Run</th>
                {COLUMNS.map((c) => (
                  <th key={c.key} scope="col">
                    {c.title}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {runs.map((r, i) => (
                <tr key={r.run.id}>
                  <th scope="row">
                    <span className="strategy-name">
                      <span
                        className="swatch"
                        style={{ background: runColor(i) }}
                        aria-hidden="true"
                      />
                      <Link href={`/runs/${r.run.id}`}>{label(r)}</Link>
                    </span>
                  </th>
                  {COLUMNS.map((c) => {
                    const v = c.value(r);
                    const best = v !== null && v === bestOf(runs, c);
                    return (
                      <td key={c.key} className={best ? "num best-cell" : "num"}>
                        {c.format(v)}
                        {best ? <span className="badge-best">best</span> : null}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>

      {data.tests && data.tests.length > 0 ? (
        <section aria-labelledby="compare-tests">
          <h2 id="compare-tests">Differences tested (same test images)</h2>
          <ul>
            {data.tests.map((t) => {
              const byId = (id: string) => runs.find((r) => r.run.id === id)!;
              const spans = t.ci95[0] <= 0 && t.ci95[1] >= 0;
              return (
                <li key={`${t.a}-${t.b}`}>
                  {label(byId(t.b))} against {label(byId(t.a))}:{" "}
                  {spans ? "no detectable difference, " : ""}
                  {signedPoints(t.meanDifference)} points, 95% CI {signedPoints(t.ci95[0])} to{" "}
                  {signedPoints(t.ci95[1])}, {formatPValue(t.pValue)}, {t.n} test images (McNemar)
                </li>
              );
            })}
          </ul>
          {data.tests.length > 1 ? (
            <p className="muted small">
              {data.tests.length} pairs are tested at once: read each p against 0.05 /{" "}
              {data.tests.length} = {(0.05 / data.tests.length).toFixed(3)} (Bonferroni) to claim
              all of them.
            </p>
          ) : null}
        </section>
      ) : null}

      <section aria-labelledby="compare-config">
        <h2 id="compare-config">What differs between the runs</h2>
        <ConfigDiffTable
          caption="Settings that differ between the compared runs"
          columns={runs.map((r, i) => ({
            key: r.run.id,
            header: (
              <span className="strategy-name">
                <span className="swatch" style={{ background: runColor(i) }} aria-hidden="true" />
                {label(r)}
              </span>
            ),
            config: {
              experiment: r.run.experimentName,
              baseModel: r.run.baseModelName,
              dataset: r.run.datasetName,
              seed: r.run.seed,
              ...r.run.config,
              ...r.settings,
            },
          }))}
        />
      </section>

      <section aria-labelledby="compare-confusion">
        <h2 id="compare-confusion">Confusion matrices (test set)</h2>
        <ConfusionCompare
          entries={matrices}
          a={cmA ?? ""}
          b={cmB ?? ""}
          onPick={(a, b) => setParams({ cm: `${a},${b}` })}
          emptyMessage={
            runs.some((r) => isActive(r.run.status))
              ? undefined
              : "None of these runs succeeded, so none has a test-set confusion matrix."
          }
        />
      </section>
    </>
  );
}
