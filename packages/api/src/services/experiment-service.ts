import type { SessionUser } from "@tlab/core/access";
import { CreateExperimentInput } from "@tlab/core/experiment";
import { DomainError } from "@tlab/core/errors";
import { LayerPlanError, planLayerFreeze } from "@tlab/core/layer-plan";
import { splitBudgetProblem } from "@tlab/core/split-budget";
import type { CatalogRepository } from "@tlab/db/repositories/catalog-repository";
import type { ExperimentRepository, NewRun } from "@tlab/db/repositories/experiment-repository";
import type { ExperimentQueryRepository } from "@tlab/db/repositories/experiment-query-repository";
import type { ExperimentTableQuery } from "@tlab/core/table-queries";

export class ExperimentService {
  constructor(
    private readonly experiments: ExperimentRepository,
    private readonly catalog: CatalogRepository,
    private readonly queries: ExperimentQueryRepository,
  ) {}

  list(opts: { limit: number; cursor?: string | null; search?: string }) {
    return this.experiments.list(opts);
  }

  async byId(experimentId: string) {
    const experiment = await this.experiments.byId(experimentId);
    if (!experiment)
      throw new DomainError("NOT_FOUND", `experimentId: no experiment "${experimentId}"`);
    return experiment;
  }

  /** The experiments table: search, filters, sort and keyset pages; stars as `viewerId` sees them. */
  table(query: ExperimentTableQuery, viewerId: string | null) {
    return this.queries.page(query, viewerId);
  }

  /**
   * Validates references before anything is written, then creates the experiment and its runs
   * (one per strategy and seed) in one write, so a bad input leaves nothing half-created.
   * `by` is recorded as who launched it (null: no user did).
   */
  async create(
    input: CreateExperimentInput,
    by: SessionUser | null,
  ): Promise<{ id: string; runCount: number }> {
    const baseModel = await this.catalog.baseModelByName(input.baseModel);
    if (!baseModel) {
      const names = (await this.catalog.listBaseModels()).map((m) => m.name);
      throw new DomainError(
        "INVALID_INPUT",
        `baseModel: no base model named "${input.baseModel}"; available: ${names.join(", ") || "none"}`,
      );
    }
    const dataset = await this.catalog.datasetByName(input.dataset);
    if (!dataset) {
      const names = (await this.catalog.listDatasets()).map((d) => d.name);
      throw new DomainError(
        "INVALID_INPUT",
        `dataset: no dataset named "${input.dataset}"; available: ${names.join(", ") || "none"}`,
      );
    }
    const budgetProblem = splitBudgetProblem(dataset.spec, dataset.classNames, input);
    if (budgetProblem) throw new DomainError("INVALID_INPUT", budgetProblem);
    for (const strategy of input.strategies) {
      try {
        planLayerFreeze(baseModel.layers, strategy);
      } catch (error) {
        if (error instanceof LayerPlanError)
          throw new DomainError(
            "INVALID_INPUT",
            `strategies.${strategy.kind}.cut: ${error.message}`,
          );
        throw error;
      }
    }
    // Seeds are 1..N for every strategy: repeat i of each strategy sees the same split and init seed.
    const runs: NewRun[] = input.strategies.flatMap((strategy) =>
      Array.from({ length: input.seeds }, (_, i) => ({ strategy, seed: i + 1 })),
    );
    const id = await this.experiments.createWithRuns(
      input,
      { baseModelId: baseModel.id, datasetId: dataset.id, createdById: by?.id ?? null },
      runs,
    );
    return { id, runCount: runs.length };
  }
}

export { CreateExperimentInput };
