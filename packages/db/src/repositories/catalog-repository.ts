import { z } from "zod";
import type {
  BaseModelDto,
  BaseModelListItemDto,
  BaseModelSourceRunDto,
  DatasetDto,
  PromotedBaseModelDto,
} from "@tlab/core/dto";
import { DatasetSpec, type UploadedDatasetSpec } from "@tlab/core/run";
import { StrategyKind } from "@tlab/core/strategy";
import type { LayerInfo } from "@tlab/core/layer-plan";
import type { Db } from "../client";
import { parseJsonColumn } from "../json";

const LayerList = z.array(
  z.object({ name: z.string(), className: z.string(), paramCount: z.number().int() }),
);
const NumberList = z.array(z.number());
const StringList = z.array(z.string());

export interface BaseModelRecord extends BaseModelDto {
  storagePath: string;
  sha256: string;
}

export interface UpsertBaseModel {
  name: string;
  description: string;
  source: "builtin" | "import" | "run";
  storagePath: string;
  inputShape: number[];
  layers: LayerInfo[];
  totalParams: number;
  sha256: string;
  /** Lineage of a promoted run; omitted: left as it is. */
  parentRunId?: string | null;
}

export interface UpsertDataset {
  name: string;
  description: string;
  spec: DatasetSpec;
  classNames: string[];
}

type BaseModelRow = Awaited<ReturnType<Db["baseModel"]["findFirstOrThrow"]>>;
type DatasetRow = Awaited<ReturnType<Db["dataset"]["findFirstOrThrow"]>>;

/** Base models and datasets: what experiments start from. */
export class CatalogRepository {
  constructor(private readonly db: Db) {}

  async upsertBaseModel(input: UpsertBaseModel): Promise<BaseModelRecord> {
    const data = {
      description: input.description,
      source: input.source,
      storagePath: input.storagePath,
      inputShape: JSON.stringify(input.inputShape),
      layers: JSON.stringify(input.layers),
      totalParams: input.totalParams,
      sha256: input.sha256,
      ...(input.parentRunId !== undefined ? { parentRunId: input.parentRunId } : {}),
    };
    const row = await this.db.baseModel.upsert({
      where: { name: input.name },
      create: { name: input.name, ...data },
      update: data,
    });
    return toBaseModel(row);
  }

  async upsertDataset(input: UpsertDataset): Promise<DatasetDto> {
    const data = {
      description: input.description,
      spec: JSON.stringify(input.spec),
      classNames: JSON.stringify(input.classNames),
    };
    const row = await this.db.dataset.upsert({
      where: { name: input.name },
      create: { name: input.name, ...data },
      update: data,
    });
    return toDataset(row);
  }

  async baseModelByName(name: string): Promise<BaseModelRecord | null> {
    const row = await this.db.baseModel.findUnique({ where: { name } });
    return row ? toBaseModel(row) : null;
  }

  async baseModelById(id: string): Promise<BaseModelRecord | null> {
    const row = await this.db.baseModel.findUnique({ where: { id } });
    return row ? toBaseModel(row) : null;
  }

  async datasetById(id: string): Promise<DatasetDto | null> {
    const row = await this.db.dataset.findUnique({ where: { id } });
    return row ? toDataset(row) : null;
  }

  /**
   * Registers an uploaded dataset under a new name, or confirms one already registered with the
   * same content (same sha256): a retried upload must not fail, but a name never silently changes
   * content, since experiments refer to it. Returns null when the name is taken by other content.
   */
  async registerUploadedDataset(
    input: UpsertDataset & { spec: UploadedDatasetSpec },
  ): Promise<{ dataset: DatasetDto; created: boolean } | null> {
    const data = {
      name: input.name,
      description: input.description,
      spec: JSON.stringify(input.spec),
      classNames: JSON.stringify(input.classNames),
    };
    try {
      return { dataset: toDataset(await this.db.dataset.create({ data })), created: true };
    } catch (error) {
      // Most likely the unique name: compare with what holds it (and rethrow anything else).
      const existing = await this.datasetByName(input.name);
      if (!existing) throw error;
      return existing.spec.source === "upload" && existing.spec.sha256 === input.spec.sha256
        ? { dataset: existing, created: false }
        : null;
    }
  }

  /**
   * Registers an imported or promoted base model under a new name; like registerUploadedDataset,
   * the same content again is a no-op and other content under a taken name returns null.
   */
  async registerBaseModel(
    input: UpsertBaseModel,
  ): Promise<{ baseModel: BaseModelRecord; created: boolean } | null> {
    const data = {
      name: input.name,
      description: input.description,
      source: input.source,
      storagePath: input.storagePath,
      inputShape: JSON.stringify(input.inputShape),
      layers: JSON.stringify(input.layers),
      totalParams: input.totalParams,
      sha256: input.sha256,
      parentRunId: input.parentRunId ?? null,
    };
    try {
      return { baseModel: toBaseModel(await this.db.baseModel.create({ data })), created: true };
    } catch (error) {
      const existing = await this.baseModelByName(input.name);
      if (!existing) throw error;
      return existing.sha256 === input.sha256 ? { baseModel: existing, created: false } : null;
    }
  }

  async datasetByName(name: string): Promise<DatasetDto | null> {
    const row = await this.db.dataset.findUnique({ where: { name } });
    return row ? toDataset(row) : null;
  }

  /**
   * Every base model with, for a promoted one, the run it came from. parentRunId is a plain column
   * (no foreign key: a promoted model outlives its run's deletion), so the runs are looked up in
   * one query and a missing one reads as null.
   */
  async listBaseModels(): Promise<BaseModelListItemDto[]> {
    const rows = await this.db.baseModel.findMany({ orderBy: { name: "asc" } });
    const parentIds = [...new Set(rows.flatMap((r) => (r.parentRunId ? [r.parentRunId] : [])))];
    const runs =
      parentIds.length === 0
        ? []
        : await this.db.run.findMany({
            where: { id: { in: parentIds } },
            select: {
              id: true,
              experimentId: true,
              strategy: true,
              seed: true,
              experiment: { select: { name: true } },
            },
          });
    const sourceRuns = new Map<string, BaseModelSourceRunDto>(
      runs.map((run) => [
        run.id,
        {
          id: run.id,
          experimentId: run.experimentId,
          experimentName: run.experiment.name,
          strategy: StrategyKind.parse(run.strategy),
          seed: run.seed,
        },
      ]),
    );
    return rows.map((r) => {
      const { storagePath: _storagePath, sha256: _sha256, ...dto } = toBaseModel(r);
      return { ...dto, sourceRun: r.parentRunId ? (sourceRuns.get(r.parentRunId) ?? null) : null };
    });
  }

  /** The base models promoted from a run, oldest first. */
  async baseModelsPromotedFrom(runId: string): Promise<PromotedBaseModelDto[]> {
    const rows = await this.db.baseModel.findMany({
      where: { parentRunId: runId },
      orderBy: [{ createdAt: "asc" }, { name: "asc" }],
      select: { id: true, name: true, createdAt: true },
    });
    return rows.map((r) => ({ id: r.id, name: r.name, createdAt: r.createdAt.toISOString() }));
  }

  async listDatasets(): Promise<DatasetDto[]> {
    const rows = await this.db.dataset.findMany({ orderBy: { name: "asc" } });
    return rows.map(toDataset);
  }
}

function toBaseModel(row: BaseModelRow): BaseModelRecord {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    inputShape: parseJsonColumn(NumberList, row.inputShape, "BaseModel.inputShape"),
    layers: parseJsonColumn(LayerList, row.layers, "BaseModel.layers"),
    totalParams: row.totalParams,
    source: row.source,
    parentRunId: row.parentRunId,
    createdAt: row.createdAt.toISOString(),
    storagePath: row.storagePath,
    sha256: row.sha256,
  };
}

function toDataset(row: DatasetRow): DatasetDto {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    spec: parseJsonColumn(DatasetSpec, row.spec, "Dataset.spec"),
    classNames: parseJsonColumn(StringList, row.classNames, "Dataset.classNames"),
    createdAt: row.createdAt.toISOString(),
  };
}
