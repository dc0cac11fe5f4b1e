import type { SessionUser } from "@tlab/core/access";
import { CreateExperimentInput } from "@tlab/core/experiment";
import { DomainError } from "@tlab/core/errors";
import { splitBudgetProblem } from "@tlab/core/split-budget";
import {
  planExperimentRuns,
  SweepPlanError,
  trainPerClassBudgets,
} from "@tlab/core/transfer-sweep";
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
   * (one per budget, seed and strategy setting; see planExperimentRuns) in one write, so a bad input leaves nothing half-created.
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
    const budgets = trainPerClassBudgets(input);
    // The largest rung draws the most images: if it fits, every smaller one does.
    const budgetProblem = splitBudgetProblem(dataset.spec, dataset.classNames, {
      trainPerClass: budgets[budgets.length - 1]!,
      testPerClass: input.testPerClass,
    });
    if (budgetProblem)
      throw new DomainError(
        "INVALID_INPUT",
        input.trainPerClassLadder
          ? budgetProblem.replace(/^trainPerClass:/, "trainPerClassLadder:")
          : budgetProblem,
      );
    let runs: NewRun[];
    try {
      runs = planExperimentRuns(input, baseModel.layers);
    } catch (error) {
      if (error instanceof SweepPlanError) throw new DomainError("INVALID_INPUT", error.message);
      throw error;
    }
    const id = await this.experiments.createWithRuns(
      input,
      { baseModelId: baseModel.id, datasetId: dataset.id, createdById: by?.id ?? null },
      runs,
    );
    return { id, runCount: runs.length };
  }
}

export { CreateExperimentInput };
