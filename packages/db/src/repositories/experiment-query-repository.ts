import type {
  ExperimentPageDto,
  ExperimentSortField,
  ExperimentTableQuery,
  ExperimentTableRowDto,
} from "@tlab/core/table-queries";
import { subjectNames, subjectSelect } from "./experiment-subject";
import type { RunStatus } from "@tlab/core/run";
import { StrategyKind } from "@tlab/core/strategy";
import type { Db, DbProvider } from "../client";
import type { Prisma } from "../generated/sqlite/client";
import { afterCursor, decodeCursor, encodeCursor, type SortColumn } from "../keyset-cursor";
import { RUN_STATUSES_ZERO } from "../run-counts";
import { containsIgnoringCase } from "./text-search";

/** The experiments table's sort columns (ExperimentSortField), for checking cursors. */
const EXPERIMENT_SORTS: Record<ExperimentSortField, SortColumn> = {
  createdAt: { field: "createdAt", type: "date", nullable: false },
  name: { field: "name", type: "string", nullable: false },
};

/**
 * The experiments table: filters, sort and keyset pages over any number of experiments. A page
 * costs a fixed number of queries whatever the table size: the page rows with their tags and star
 * counts (through the createdAt index in the default order), the matching count, one grouped
 * query for the run counts of the page, and one for which of the page the viewer starred.
 */
export class ExperimentQueryRepository {
  constructor(
    private readonly db: Db,
    private readonly provider: DbProvider,
  ) {}

  /** `viewerId`: whose stars `starred` and `starredByMe` refer to; without one, nothing is starred. */
  async page(
    query: ExperimentTableQuery,
    viewerId: string | null = null,
  ): Promise<ExperimentPageDto> {
    const where: Prisma.ExperimentWhereInput = {
      ...(query.search ? { name: containsIgnoringCase(this.provider, query.search) } : {}),
      ...(query.baseModel ? { baseModel: { name: query.baseModel } } : {}),
      ...(query.dataset ? { dataset: { name: query.dataset } } : {}),
      ...(query.status ? { runs: { some: { status: query.status } } } : {}),
      ...(query.decision === "undecided"
        ? { OR: [{ decision: null }, { decision: "none" }] }
        : query.decision
          ? { decision: query.decision }
          : {}),
      ...(query.tag ? { tags: { some: { tag: query.tag } } } : {}),
      // "Starred by me" without a viewer matches nothing rather than everything.
      ...(query.starred ? { stars: { some: { userId: viewerId ?? "" } } } : {}),
    };
    const sort = EXPERIMENT_SORTS[query.sort];
    const after = query.cursor
      ? (afterCursor(
          sort,
          query.direction,
          decodeCursor(query.cursor, sort),
        ) as Prisma.ExperimentWhereInput)
      : null;
    const [rows, total] = await Promise.all([
      this.db.experiment.findMany({
        where: after ? { AND: [where, after] } : where,
        orderBy: [{ [query.sort]: query.direction }, { id: query.direction }],
        take: query.limit + 1,
        select: {
          id: true,
          name: true,
          epochs: true,
          seeds: true,
          createdAt: true,
          decision: true,
          ...subjectSelect,
          tags: { select: { tag: true }, orderBy: { tag: "asc" } },
          _count: { select: { stars: true } },
        },
      }),
      this.db.experiment.count({ where }),
    ]);
    const page = rows.slice(0, query.limit);
    const ids = page.map((r) => r.id);
    const [stats, starred] = await Promise.all([this.runStats(ids), this.starredBy(viewerId, ids)]);
    const last = page[page.length - 1];
    return {
      items: page.map((r): ExperimentTableRowDto => {
        const s = stats.get(r.id);
        return {
          id: r.id,
          name: r.name,
          ...subjectNames(r),
          epochs: r.epochs,
          seeds: r.seeds,
          createdAt: r.createdAt.toISOString(),
          runCounts: s?.counts ?? { ...RUN_STATUSES_ZERO },
          bestTestAccuracy: s?.best ?? null,
          decision:
            r.decision === null
              ? null
              : r.decision === "none"
                ? "none"
                : StrategyKind.parse(r.decision),
          tags: r.tags.map((t) => t.tag),
          starCount: r._count.stars,
          starredByMe: starred.has(r.id),
        };
      }),
      nextCursor:
        rows.length > query.limit && last
          ? encodeCursor(sort, query.sort === "name" ? last.name : last.createdAt, last.id)
          : null,
      total,
    };
  }

  private async starredBy(viewerId: string | null, ids: string[]): Promise<Set<string>> {
    if (viewerId === null || ids.length === 0) return new Set();
    const rows = await this.db.experimentStar.findMany({
      where: { userId: viewerId, experimentId: { in: ids } },
      select: { experimentId: true },
    });
    return new Set(rows.map((r) => r.experimentId));
  }

  /** Run counts by status and the best test accuracy, for a page of experiments, in one grouped query. */
  private async runStats(
    ids: string[],
  ): Promise<Map<string, { counts: Record<RunStatus, number>; best: number | null }>> {
    const out = new Map<string, { counts: Record<RunStatus, number>; best: number | null }>();
    if (ids.length === 0) return out;
    const grouped = await this.db.run.groupBy({
      by: ["experimentId", "status"],
      where: { experimentId: { in: ids } },
      _count: { _all: true },
      _max: { testAccuracy: true },
    });
    for (const g of grouped) {
      const entry = out.get(g.experimentId) ?? { counts: { ...RUN_STATUSES_ZERO }, best: null };
      entry.counts[g.status as RunStatus] = g._count._all;
      if (g.status === "SUCCEEDED") entry.best = g._max.testAccuracy;
      out.set(g.experimentId, entry);
    }
    return out;
  }
}
