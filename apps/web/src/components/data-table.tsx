"use client";

import {
  flexRender,
  getCoreRowModel,
  useReactTable,
  type ColumnDef,
  type RowSelectionState,
} from "@tanstack/react-table";
import type { ReactNode } from "react";
import type { CursorPages } from "@/lib/use-cursor-pages";

export interface ServerSort {
  id: string;
  desc: boolean;
}

interface Props<T> {
  caption: string;
  data: T[];
  // Columns of different value types in one table: TanStack's own idiom is ColumnDef<T, any>.
  // biome-ignore lint/suspicious/noExplicitAny: TanStack's ColumnDef is invariant in its value type.
  columns: ColumnDef<T, any>[];
  getRowId: (row: T) => string;
  /** Sorting happens on the server: the table only shows and requests it. */
  sort: ServerSort;
  sortable: ReadonlySet<string>;
  onSort: (next: ServerSort) => void;
  rowSelection?: RowSelectionState;
  onRowSelectionChange?: (next: RowSelectionState) => void;
  /** A refetch is in flight: rows stay (no jump) and are dimmed. */
  busy?: boolean;
  empty: ReactNode;
  rowClassName?: (row: T) => string | undefined;
}

/**
 * A table over TanStack Table with server-side sorting and pagination: headers of sortable columns
 * are buttons that ask for the next order, and `aria-sort` tells assistive technology the current one.
 */
export function DataTable<T>({
  caption,
  data,
  columns,
  getRowId,
  sort,
  sortable,
  onSort,
  rowSelection,
  onRowSelectionChange,
  busy,
  empty,
  rowClassName,
}: Props<T>) {
  const table = useReactTable({
    data,
    columns,
    getRowId,
    getCoreRowModel: getCoreRowModel(),
    manualSorting: true,
    manualPagination: true,
    enableRowSelection: Boolean(onRowSelectionChange),
    state: { sorting: [sort], rowSelection: rowSelection ?? {} },
    onRowSelectionChange: (updater) => {
      if (!onRowSelectionChange) return;
      onRowSelectionChange(typeof updater === "function" ? updater(rowSelection ?? {}) : updater);
    },
  });
  return (
    <div
      className={busy ? "table-scroll table-busy" : "table-scroll"}
      aria-busy={busy || undefined}
    >
      <table className="data-table">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          {table.getHeaderGroups().map((group) => (
            <tr key={group.id}>
              {group.headers.map((header) => {
                const id = header.column.id;
                const canSort = sortable.has(id);
                const active = sort.id === id;
                const label = flexRender(header.column.columnDef.header, header.getContext());
                return (
                  <th
                    key={header.id}
                    scope="col"
                    aria-sort={active ? (sort.desc ? "descending" : "ascending") : undefined}
                    className={header.column.columnDef.meta?.className}
                  >
                    {canSort ? (
                      <button
                        type="button"
                        className="sort-button"
                        onClick={() => onSort({ id, desc: active ? !sort.desc : true })}
                      >
                        {label}
                        <span className="sort-mark" aria-hidden="true">
                          {active ? (sort.desc ? "▼" : "▲") : "↕"}
                        </span>
                      </button>
                    ) : (
                      label
                    )}
                  </th>
                );
              })}
            </tr>
          ))}
        </thead>
        <tbody>
          {table.getRowModel().rows.length === 0 ? (
            <tr>
              <td colSpan={columns.length} className="table-empty">
                {empty}
              </td>
            </tr>
          ) : (
            table.getRowModel().rows.map((row) => (
              <tr
                key={row.id}
                data-row-id={row.id}
                className={
                  [row.getIsSelected() ? "row-selected" : "", rowClassName?.(row.original) ?? ""]
                    .join(" ")
                    .trim() || undefined
                }
              >
                {row.getVisibleCells().map((cell) => (
                  <td key={cell.id} className={cell.column.columnDef.meta?.className}>
                    {flexRender(cell.column.columnDef.cell, cell.getContext())}
                  </td>
                ))}
              </tr>
            ))
          )}
        </tbody>
      </table>
    </div>
  );
}

declare module "@tanstack/react-table" {
  interface ColumnMeta<TData, TValue> {
    className?: string;
  }
}

/**
 * "1–50 of 1,234 runs" with Previous and Next, over the keyset pages of `useCursorPages` and the
 * page of results currently shown.
 */
export function Pager({
  pages,
  result,
  pageSize,
  noun,
}: {
  pages: CursorPages;
  result: { items: readonly unknown[]; total: number; nextCursor: string | null };
  pageSize: number;
  noun: string;
}) {
  const { page } = pages;
  const { total } = result;
  const shown = result.items.length;
  const from = shown === 0 ? 0 : page * pageSize + 1;
  const to = page * pageSize + shown;
  return (
    <nav className="pager" aria-label={`${noun} pages`}>
      <span className="muted" aria-live="polite">
        {total === 0
          ? `No ${noun}`
          : `${from.toLocaleString("en-US")}–${to.toLocaleString("en-US")} of ${total.toLocaleString("en-US")} ${noun}`}
      </span>
      <button
        type="button"
        className="button button-small"
        onClick={pages.previous}
        disabled={page === 0}
      >
        ← Previous
      </button>
      <button
        type="button"
        className="button button-small"
        onClick={() => pages.next(result.nextCursor)}
        disabled={!result.nextCursor}
      >
        Next →
      </button>
    </nav>
  );
}
