"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { createColumnHelper, type RowSelectionState } from "@tanstack/react-table";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useCallback, useState } from "react";
import { METRIC, RunStatus } from "@tlab/core/run";
import { STRATEGY_KINDS, STRATEGY_LABELS } from "@tlab/core/strategy";
import {
  MAX_COMPARED_RUNS,
  type RunPageDto,
  type RunTableQuery,
  type RunTableRowDto,
} from "@tlab/core/table-queries";
import { useCan } from "@/components/auth/current-user";
import {
  formatDateTime,
  formatDuration,
  formatInteger,
  formatPercent,
  isActive,
  STATUS_WORDS,
} from "@/lib/format";
import { queryKeyOf, runQueryFrom } from "@/lib/table-params";
import { useCursorPages } from "@/lib/use-cursor-pages";
import { useUrlParams } from "@/lib/use-url-params";
import { LIVE_REFRESH_MS, useTRPC } from "@/trpc/react";
import { DataTable, Pager, type ServerSort } from "../data-table";
import { ProgressBar } from "../progress-bar";
import { FilterBar, FilterSelect, SearchInput } from "../search-input";
import { StatusBadge } from "../status-badge";
import { StrategyName } from "../strategy-name";

interface Props {
  initial: RunPageDto;
  initialQuery: RunTableQuery;
  baseModels: string[];
  datasets: string[];
}

const column = createColumnHelper<RunTableRowDto>();

function runName(run: RunTableRowDto): string {
  return `${STRATEGY_LABELS[run.strategy]} seed ${run.seed} of ${run.experimentName}`;
}

const columns = [
  column.display({
    id: "select",
    header: ({ table }) => (
      <input
        type="checkbox"
        aria-label="Select all runs on this page"
        checked={table.getIsAllPageRowsSelected()}
        ref={(el) => {
          if (el)
            el.indeterminate =
              table.getIsSomePageRowsSelected() && !table.getIsAllPageRowsSelected();
        }}
        onChange={table.getToggleAllPageRowsSelectedHandler()}
      />
    ),
    cell: ({ row }) => (
      <input
        type="checkbox"
        aria-label={`Select ${runName(row.original)}`}
        checked={row.getIsSelected()}
        onChange={row.getToggleSelectedHandler()}
      />
    ),
    meta: { className: "select-cell" },
  }),
  column.accessor("experimentName", {
    header: "Experiment",
    cell: (c) => (
      <div className="cell-stack">
        <Link href={`/experiments/${c.row.original.experimentId}`}>{c.getValue()}</Link>
        <span className="muted small">
          {c.row.original.baseModelName} → {c.row.original.datasetName}
        </span>
      </div>
    ),
  }),
  column.accessor("strategy", {
    header: "Strategy",
    cell: (c) => <StrategyName strategy={c.getValue()} short />,
  }),
  column.accessor("seed", { header: "Seed", meta: { className: "num" } }),
  column.accessor("status", {
    header: "Status",
    cell: (c) => (
      <span className="nowrap">
        <StatusBadge status={c.getValue()} cancelRequested={c.row.original.cancelRequested} />
        {c.row.original.attempt > 1 ? (
          <span className="muted small"> · try {c.row.original.attempt}</span>
        ) : null}
      </span>
    ),
  }),
  column.accessor("progress", {
    header: "Progress",
    cell: (c) =>
      c.row.original.status === "RUNNING" ? (
        <ProgressBar value={c.getValue()} label={`Progress of ${runName(c.row.original)}`} />
      ) : c.row.original.status === "SUCCEEDED" ? (
        <span className="muted">done</span>
      ) : (
        <span className="muted">—</span>
      ),
  }),
  column.accessor("testAccuracy", {
    header: "Test accuracy",
    cell: (c) => formatPercent(c.getValue()),
    meta: { className: "num" },
  }),
  column.accessor("wallTimeMs", {
    header: "Wall time",
    cell: (c) => formatDuration(c.getValue()),
    meta: { className: "num nowrap" },
  }),
  column.accessor("trainableParams", {
    header: "Trained params",
    cell: (c) => formatInteger(c.getValue()),
    meta: { className: "num" },
  }),
  column.accessor("queuedAt", {
    header: "Queued (UTC)",
    cell: (c) => formatDateTime(c.getValue()).replace(" UTC", ""),
    meta: { className: "nowrap small" },
  }),
  column.display({
    id: "actions",
    header: () => <span className="visually-hidden">Actions</span>,
    cell: (c) => (
      <Link
        href={`/runs/${c.row.original.id}`}
        aria-label={`Details of ${runName(c.row.original)}`}
      >
        Details
      </Link>
    ),
    meta: { className: "actions" },
  }),
];

const SORTABLE = new Set(["queuedAt", "testAccuracy", "wallTimeMs", "trainableParams", "progress"]);

/**
 * Every run across experiments: filters, search, server-side sort and keyset pages. Checked runs
 * stay checked across pages and filters; "Compare" opens them side by side on /compare.
 */
export function RunsBrowser({ initial, initialQuery, baseModels, datasets }: Props) {
  const trpc = useTRPC();
  const canLaunch = useCan("member");
  const router = useRouter();
  const [params, setParams] = useUrlParams();
  const base = runQueryFrom(params);
  const key = queryKeyOf(base);
  const pages = useCursorPages(key);
  const isInitial = pages.page === 0 && key === queryKeyOf(initialQuery);
  const { data, isFetching, isPlaceholderData } = useQuery(
    trpc.run.table.queryOptions(
      { ...base, cursor: pages.cursor },
      {
        initialData: isInitial ? initial : undefined,
        placeholderData: keepPreviousData,
        refetchInterval: (query) =>
          query.state.data?.items.some((r) => isActive(r.status)) ? LIVE_REFRESH_MS : false,
      },
    ),
  );
  const page = data ?? initial;
  const [selection, setSelection] = useState<RowSelectionState>({});
  const selected = Object.keys(selection).filter((id) => selection[id]);
  const onSearch = useCallback((q: string) => setParams({ q }), [setParams]);
  const sort: ServerSort = { id: base.sort, desc: base.direction === "desc" };
  const filtered = Boolean(
    base.search ||
      base.status ||
      base.strategy ||
      base.baseModel ||
      base.dataset ||
      base.experimentId,
  );

  const toggleIn = (
    name: "status" | "strategy",
    current: readonly string[] | undefined,
    value: string,
    on: boolean,
  ) => {
    const next = new Set(current ?? []);
    if (on) next.add(value);
    else next.delete(value);
    setParams({ [name]: [...next].join(",") });
  };

  const compare = () => {
    const ids = selected.slice(0, MAX_COMPARED_RUNS);
    router.push(`/compare?runs=${ids.join(",")}&metric=${encodeURIComponent(METRIC.valAccuracy)}`);
  };

  return (
    <>
      <div className="page-header">
        <div>
          <h1>Runs</h1>
          <p className="subtitle">
            Every run of every experiment. Check runs to compare them side by side, across
            experiments.
          </p>
        </div>
        <div className="header-actions">
          {selected.length > 0 ? (
            <button type="button" className="button button-small" onClick={() => setSelection({})}>
              Clear selection
            </button>
          ) : null}
          <button
            type="button"
            className="button button-primary"
            disabled={selected.length < 1}
            onClick={compare}
          >
            Compare
            {selected.length > 0
              ? ` ${selected.length} run${selected.length === 1 ? "" : "s"}`
              : ""}
          </button>
        </div>
      </div>
      <FilterBar label="Filter runs">
        <SearchInput
          id="run-search"
          label="Search"
          value={base.search ?? ""}
          onChange={onSearch}
          placeholder="Experiment name or run id"
        />
        <fieldset className="filter filter-checks">
          <legend>Status</legend>
          {RunStatus.options.map((s) => (
            <label key={s} className="inline-check">
              <input
                type="checkbox"
                checked={base.status?.includes(s) ?? false}
                onChange={(e) => toggleIn("status", base.status, s, e.target.checked)}
              />
              {STATUS_WORDS[s]}
            </label>
          ))}
        </fieldset>
        <fieldset className="filter filter-checks">
          <legend>Strategy</legend>
          {STRATEGY_KINDS.map((k) => (
            <label key={k} className="inline-check">
              <input
                type="checkbox"
                checked={base.strategy?.includes(k) ?? false}
                onChange={(e) => toggleIn("strategy", base.strategy, k, e.target.checked)}
              />
              {k}
            </label>
          ))}
        </fieldset>
        <FilterSelect
          id="run-model"
          label="Base model"
          value={base.baseModel ?? ""}
          options={baseModels.map((m) => ({ value: m, label: m }))}
          onChange={(v) => setParams({ model: v })}
        />
        <FilterSelect
          id="run-dataset"
          label="Dataset"
          value={base.dataset ?? ""}
          options={datasets.map((d) => ({ value: d, label: d }))}
          onChange={(v) => setParams({ dataset: v })}
        />
        {filtered ? (
          <button
            type="button"
            className="button button-small filter-clear"
            onClick={() =>
              setParams({
                q: null,
                status: null,
                strategy: null,
                model: null,
                dataset: null,
                experiment: null,
              })
            }
          >
            Clear filters
          </button>
        ) : null}
      </FilterBar>
      <DataTable
        caption="Runs across experiments"
        data={page.items}
        columns={columns}
        getRowId={(row) => row.id}
        sort={sort}
        sortable={SORTABLE}
        onSort={(next) =>
          setParams({
            sort: next.id === "queuedAt" ? null : next.id,
            dir: next.desc ? null : "asc",
          })
        }
        rowSelection={selection}
        onRowSelectionChange={setSelection}
        busy={isFetching && isPlaceholderData}
        empty={
          filtered ? (
            <span className="muted">No run matches these filters.</span>
          ) : canLaunch ? (
            <span className="muted">
              No runs yet: <Link href="/experiments/new">launch an experiment</Link>.
            </span>
          ) : (
            <span className="muted">No runs yet.</span>
          )
        }
      />
      <Pager pages={pages} result={page} pageSize={base.limit} noun="runs" />
    </>
  );
}
