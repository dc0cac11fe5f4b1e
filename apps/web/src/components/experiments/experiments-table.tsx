"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { createColumnHelper } from "@tanstack/react-table";
import Link from "next/link";
import { useCallback, useMemo } from "react";
import type { ExperimentSummaryDto } from "@tlab/core/dto";
import { RunStatus } from "@tlab/core/run";
import { STRATEGY_KINDS, STRATEGY_LABELS } from "@tlab/core/strategy";
import type { TagCountDto } from "@tlab/core/review";
import type {
  ExperimentPageDto,
  ExperimentTableQuery,
  ExperimentTableRowDto,
} from "@tlab/core/table-queries";
import { useCan } from "@/components/auth/current-user";
import { formatDateTime, formatPercent, STATUS_WORDS } from "@/lib/format";
import { experimentQueryFrom, queryKeyOf } from "@/lib/table-params";
import { useCursorPages } from "@/lib/use-cursor-pages";
import { useUrlParams } from "@/lib/use-url-params";
import { LIVE_REFRESH_MS, useTRPC } from "@/trpc/react";
import { DataTable, Pager, type ServerSort } from "../data-table";
import { StarButton } from "../review/star-button";
import { TagChips } from "../review/tag-chips";
import { FilterBar, FilterSelect, SearchInput } from "../search-input";
import { StrategyName } from "../strategy-name";

interface Props {
  initial: ExperimentPageDto;
  initialQuery: ExperimentTableQuery;
  baseModels: string[];
  datasets: string[];
  /** Tags in use, for the tag filter. */
  tags: TagCountDto[];
}

const column = createColumnHelper<ExperimentTableRowDto>();

const columns = [
  column.display({
    id: "star",
    header: () => <span className="visually-hidden">Stars</span>,
    cell: (c) => (
      <StarButton
        experimentId={c.row.original.id}
        experimentName={c.row.original.name}
        starred={c.row.original.starredByMe}
        count={c.row.original.starCount}
      />
    ),
  }),
  column.accessor("name", {
    header: "Name",
    cell: (c) => (
      <>
        <Link href={`/experiments/${c.row.original.id}`}>{c.getValue()}</Link>{" "}
        <TagChips tags={c.row.original.tags} />
      </>
    ),
  }),
  column.display({
    id: "source",
    header: "Base model → dataset",
    cell: (c) => (
      <span className="nowrap">
        <code>{c.row.original.baseModelName}</code> → <code>{c.row.original.datasetName}</code>
      </span>
    ),
  }),
  column.display({
    id: "runs",
    header: "Runs",
    cell: (c) => <RunCounts counts={c.row.original.runCounts} />,
  }),
  column.accessor("bestTestAccuracy", {
    header: "Best run's test accuracy",
    cell: (c) => formatPercent(c.getValue()),
    meta: { className: "num" },
  }),
  column.accessor("decision", {
    header: "Decision",
    cell: (c) => <DecisionCell decision={c.getValue()} />,
    meta: { className: "nowrap" },
  }),
  column.display({
    id: "budget",
    header: "Epochs × seeds",
    cell: (c) => `${c.row.original.epochs} × ${c.row.original.seeds}`,
    meta: { className: "num" },
  }),
  column.accessor("createdAt", {
    header: "Created",
    cell: (c) => formatDateTime(c.getValue()),
    meta: { className: "nowrap" },
  }),
  column.display({
    id: "actions",
    header: () => <span className="visually-hidden">Actions</span>,
    cell: (c) => (
      <Link
        href={`/experiments/new?clone=${c.row.original.id}`}
        aria-label={`Clone ${c.row.original.name}`}
      >
        Clone
      </Link>
    ),
    meta: { className: "actions" },
  }),
];

/** Without the Clone link, which only leads to a launch form viewers may not submit. */
const READ_ONLY_COLUMNS = columns.filter((c) => c.id !== "actions");

const SORTABLE = new Set(["name", "createdAt"]);

/** The review decision filter: undecided, or the strategy adopted. */
const DECISION_OPTIONS = [
  { value: "undecided", label: "undecided" },
  ...STRATEGY_KINDS.map((kind) => ({
    value: kind,
    label: `adopted ${STRATEGY_LABELS[kind].toLowerCase()}`,
  })),
];

export function ExperimentsTable({ initial, initialQuery, baseModels, datasets, tags }: Props) {
  const trpc = useTRPC();
  const canLaunch = useCan("member");
  const [params, setParams] = useUrlParams();
  const base = experimentQueryFrom(params);
  const key = queryKeyOf(base);
  const pages = useCursorPages(key);
  const input = { ...base, cursor: pages.cursor };
  const isInitial = pages.page === 0 && key === queryKeyOf(initialQuery);
  const { data, isFetching, isPlaceholderData } = useQuery(
    trpc.experiment.table.queryOptions(input, {
      initialData: isInitial ? initial : undefined,
      placeholderData: keepPreviousData,
      refetchInterval: (query) =>
        query.state.data?.items.some((e) => e.runCounts.QUEUED + e.runCounts.RUNNING > 0)
          ? LIVE_REFRESH_MS * 2
          : false,
    }),
  );
  const page = data ?? initial;
  const filtered = Boolean(
    base.search ||
      base.baseModel ||
      base.dataset ||
      base.status ||
      base.decision ||
      base.tag ||
      base.starred,
  );
  const { data: tagCounts } = useQuery(
    trpc.review.tagCounts.queryOptions(undefined, { initialData: tags, staleTime: 30_000 }),
  );
  // A tag from a link may no longer be in use; keep it selectable so the filter shows what is applied.
  const tagOptions = useMemo(() => {
    const options = tagCounts.map((t) => ({ value: t.tag, label: `${t.tag} (${t.experiments})` }));
    return base.tag && !tagCounts.some((t) => t.tag === base.tag)
      ? [{ value: base.tag, label: base.tag }, ...options]
      : options;
  }, [tagCounts, base.tag]);
  const onSearch = useCallback((q: string) => setParams({ q }), [setParams]);
  const sort: ServerSort = { id: base.sort, desc: base.direction === "desc" };
  const onSort = (next: ServerSort) =>
    setParams({ sort: next.id === "createdAt" ? null : next.id, dir: next.desc ? "desc" : "asc" });
  const statusOptions = useMemo(
    () => RunStatus.options.map((s) => ({ value: s, label: `has ${STATUS_WORDS[s]} runs` })),
    [],
  );

  return (
    <>
      <div className="page-header">
        <h1>Experiments</h1>
        {canLaunch ? (
          <Link href="/experiments/new" className="button button-primary">
            New experiment
          </Link>
        ) : null}
      </div>
      {page.total === 0 && !filtered ? (
        <section className="empty-state">
          <h2>No experiments yet</h2>
          <p>
            An experiment trains a base model on a new dataset with each transfer strategy (frozen
            feature extractor, partial and full fine-tuning) so you can compare them side by side.{" "}
            {canLaunch ? (
              <>
                Launch one with <strong>New experiment</strong>, or from a terminal with{" "}
                <code>npm run tlab -- launch --preset digits</code>.
              </>
            ) : (
              <>
                Experiments that members launch appear here for you to read. To launch one yourself,
                ask an admin for the member role.
              </>
            )}
          </p>
        </section>
      ) : (
        <>
          <FilterBar label="Filter experiments">
            <SearchInput
              id="experiment-search"
              label="Search"
              value={base.search ?? ""}
              onChange={onSearch}
              placeholder="Experiment name"
            />
            <FilterSelect
              id="experiment-model"
              label="Base model"
              value={base.baseModel ?? ""}
              options={baseModels.map((m) => ({ value: m, label: m }))}
              onChange={(v) => setParams({ model: v })}
            />
            <FilterSelect
              id="experiment-dataset"
              label="Dataset"
              value={base.dataset ?? ""}
              options={datasets.map((d) => ({ value: d, label: d }))}
              onChange={(v) => setParams({ dataset: v })}
            />
            <FilterSelect
              id="experiment-status"
              label="Runs"
              value={base.status ?? ""}
              options={statusOptions}
              onChange={(v) => setParams({ status: v })}
            />
            <FilterSelect
              id="experiment-decision"
              label="Decision"
              value={base.decision ?? ""}
              options={DECISION_OPTIONS}
              onChange={(v) => setParams({ decision: v })}
            />
            <FilterSelect
              id="experiment-tag"
              label="Tag"
              value={base.tag ?? ""}
              options={tagOptions}
              onChange={(v) => setParams({ tag: v })}
            />
            <label className="inline-check">
              <input
                type="checkbox"
                checked={base.starred === true}
                onChange={(e) => setParams({ starred: e.target.checked ? "1" : null })}
              />{" "}
              Starred by me
            </label>
            {filtered ? (
              <button
                type="button"
                className="button button-small filter-clear"
                onClick={() =>
                  setParams({
                    q: null,
                    model: null,
                    dataset: null,
                    status: null,
                    decision: null,
                    tag: null,
                    starred: null,
                  })
                }
              >
                Clear filters
              </button>
            ) : null}
          </FilterBar>
          <DataTable
            caption="Experiments"
            data={page.items}
            columns={canLaunch ? columns : READ_ONLY_COLUMNS}
            getRowId={(row) => row.id}
            sort={sort}
            sortable={SORTABLE}
            onSort={onSort}
            busy={isFetching && isPlaceholderData}
            empty={<span className="muted">No experiment matches these filters.</span>}
          />
          <Pager pages={pages} result={page} pageSize={base.limit} noun="experiments" />
        </>
      )}
    </>
  );
}

function DecisionCell({ decision }: { decision: ExperimentTableRowDto["decision"] }) {
  if (decision === null) return <span className="muted">undecided</span>;
  if (decision === "none") return <span className="muted">none yet</span>;
  return (
    <span title={`Adopted: ${STRATEGY_LABELS[decision]}`}>
      <StrategyName strategy={decision} short />
    </span>
  );
}

function RunCounts({ counts }: { counts: ExperimentSummaryDto["runCounts"] }) {
  const parts = RunStatus.options.filter((status) => counts[status] > 0);
  if (parts.length === 0) return <span className="muted">none</span>;
  return (
    <span className="run-counts">
      {parts.map((status) => (
        <span key={status} className={`status status-${STATUS_WORDS[status]}`}>
          {counts[status]} {STATUS_WORDS[status]}
        </span>
      ))}
    </span>
  );
}
