import { TagName } from "@tlab/core/review";
import { RunStatus } from "@tlab/core/run";
import { StrategyKind } from "@tlab/core/strategy";
import {
  DecisionFilter,
  ExperimentSortField,
  RunSortField,
  SortDirection,
  type ExperimentTableQuery,
  type RunTableQuery,
} from "@tlab/core/table-queries";

/**
 * The tables' filters and sort as URL parameters, read the same way by the server page (first
 * render) and the client (later changes): a shared link shows the same rows. Unknown or malformed
 * values fall back to the defaults rather than failing the page.
 */
export const EXPERIMENTS_PAGE_SIZE = 50;
export const RUNS_PAGE_SIZE = 50;

type Params = { get(name: string): string | null };

function pick<T extends string>(value: string | null, allowed: readonly T[]): T | undefined {
  return value !== null && (allowed as readonly string[]).includes(value)
    ? (value as T)
    : undefined;
}

function text(value: string | null): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed.slice(0, 200) : undefined;
}

function list<T extends string>(value: string | null, allowed: readonly T[]): T[] | undefined {
  const items = (value ?? "").split(",").flatMap((v) => pick(v, allowed) ?? []);
  return items.length > 0 ? [...new Set(items)] : undefined;
}

export function experimentQueryFrom(params: Params): ExperimentTableQuery {
  const sort = pick(params.get("sort"), ExperimentSortField.options) ?? "createdAt";
  return {
    limit: EXPERIMENTS_PAGE_SIZE,
    cursor: null,
    search: text(params.get("q")),
    baseModel: text(params.get("model")),
    dataset: text(params.get("dataset")),
    status: pick(params.get("status"), RunStatus.options),
    decision: pick(params.get("decision"), DecisionFilter.options),
    tag: TagName.safeParse(params.get("tag") ?? "").data,
    starred: params.get("starred") === "1" ? true : undefined,
    sort,
    direction: pick(params.get("dir"), SortDirection.options) ?? (sort === "name" ? "asc" : "desc"),
  };
}

export function runQueryFrom(params: Params): RunTableQuery {
  return {
    limit: RUNS_PAGE_SIZE,
    cursor: null,
    search: text(params.get("q")),
    status: list(params.get("status"), RunStatus.options),
    strategy: list(params.get("strategy"), StrategyKind.options),
    baseModel: text(params.get("model")),
    dataset: text(params.get("dataset")),
    experimentId: text(params.get("experiment")),
    sort: pick(params.get("sort"), RunSortField.options) ?? "queuedAt",
    direction: pick(params.get("dir"), SortDirection.options) ?? "desc",
  };
}

/** A stable key of a query without its cursor: when it changes, paging starts over. */
export function queryKeyOf(query: object): string {
  return JSON.stringify(
    Object.entries(query).filter(([k, v]) => k !== "cursor" && v !== undefined),
  );
}
