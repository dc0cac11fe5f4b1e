import { DomainError } from "@tlab/core/errors";
import type { CatalogRepository } from "@tlab/db/repositories/catalog-repository";
import { confinedPath } from "@tlab/storage/confined-path";
import type { BlobContent } from "../storage/blob-store";
import { LocalBlobStore } from "../storage/local-blob-store";
import { seedCatalog } from "./seed-catalog";

/** The catalog as pages, routers and file routes read it: base models and datasets by name. */
export class CatalogService {
  constructor(
    private readonly catalog: CatalogRepository,
    private readonly dataDir?: string,
  ) {}

  listBaseModels() {
    return this.catalog.listBaseModels();
  }

  listDatasets() {
    return this.catalog.listDatasets();
  }

  baseModelByName(name: string) {
    return this.catalog.baseModelByName(name);
  }

  datasetByName(name: string) {
    return this.catalog.datasetByName(name);
  }

  /** The base models promoted from a run (none for a run never promoted, or one that does not exist). */
  baseModelsPromotedFrom(runId: string) {
    return this.catalog.baseModelsPromotedFrom(runId);
  }

  /**
   * One file of a base model's folder (model.json or a weight shard). Only a regular file in the
   * folder itself is served, by its real path, which must lie inside that folder.
   */
  async baseModelFile(
    model: { name: string; storagePath: string },
    file: string,
  ): Promise<BlobContent> {
    if (!this.dataDir)
      throw new Error("base models: no data directory was configured for this server");
    const folder = confinedPath(this.dataDir, model.storagePath, "storagePath");
    const content = await new LocalBlobStore(folder, "base model folder", "absent").get(file);
    if (!content)
      throw new DomainError("NOT_FOUND", `file: base model "${model.name}" has no file "${file}"`);
    return content;
  }

  /** Registers the built-in dataset and the base models found under dataDir (at server start). */
  seed(dataDir: string) {
    return seedCatalog(this.catalog, dataDir);
  }
}
