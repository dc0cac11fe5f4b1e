import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import {
  BASE_MODEL_MANIFEST_FILE,
  BaseModelManifestError,
  catalogSourceOf,
  serializeBaseModelManifest,
  type BaseModelSource,
} from "@tlab/core/base-model-manifest";
import {
  CatalogDescription,
  CatalogName,
  catalogNameProblem,
  RUN_MODEL_CLASSIFIER_LAYER,
} from "@tlab/core/catalog-input";
import { DatasetImportError, uploadedDatasetSpec, unpackDataset } from "@tlab/core/dataset-pack";
import type { BaseModelDto, DatasetDto } from "@tlab/core/dto";
import { DomainError } from "@tlab/core/errors";
import {
  cutBeforeLayer,
  inspectLayersModel,
  ModelImportError,
  parseModelJson,
  preprocessingOf,
  withPreprocessing,
  type InputPreprocessing,
  type LayersModelJson,
} from "@tlab/core/layers-model-json";
import type { BaseModelRecord, CatalogRepository } from "@tlab/db/repositories/catalog-repository";
import type { ExperimentRepository } from "@tlab/db/repositories/experiment-repository";
import type { RunRepository } from "@tlab/db/repositories/run-repository";
import { confinedPath, realConfinedPath } from "@tlab/storage/confined-path";
import type { BlobContent } from "../storage/blob-store";
import { LocalBlobStore } from "../storage/local-blob-store";
import { BASE_MODELS_DIR, hashModelDirectory } from "./seed-catalog";

export const DATASETS_DIR = "datasets";
/** Files are assembled here and renamed into place whole, so no reader sees half of one. */
const STAGING_DIR = ".staging";
const MODEL_JSON = "model.json";
const PROMOTED_WEIGHTS = "weights.bin";

export interface StoredDatasetFile {
  path: string;
  sha256: string;
  sizeBytes: number;
}

/**
 * Imports into the catalog: uploaded datasets (packed files), imported base models and runs
 * promoted to base models. Everything is validated before anything is written; files are written
 * under a staging directory and renamed into DATA_DIR, then registered. A name never changes
 * content: storing the same content again is a no-op, other content under a taken name is refused.
 * Every path is built with confinedPath from names checked again here (they also come from the
 * database and from model.json), and files are read through realConfinedPath, so neither a name
 * nor a symbolic link planted in DATA_DIR leads a read or a write out of its folder.
 */
export class CatalogImportService {
  constructor(
    private readonly catalog: CatalogRepository,
    private readonly runs: RunRepository,
    private readonly experiments: ExperimentRepository,
    private readonly dataDir: string | undefined,
  ) {}

  /** Stores a packed dataset (see @tlab/core/dataset-pack) as DATA_DIR/datasets/<name>/<sha256>.tlds. */
  async importDataset(input: {
    name: string;
    packed: Uint8Array;
    description?: string;
  }): Promise<{ dataset: DatasetDto; created: boolean }> {
    const name = parseName(input.name);
    const description = parseDescription(input.description);
    let dataset: ReturnType<typeof unpackDataset>;
    try {
      dataset = unpackDataset(input.packed);
    } catch (error) {
      if (error instanceof DatasetImportError)
        throw new DomainError("INVALID_INPUT", `dataset: ${error.message}`);
      throw error;
    }
    const spec = await uploadedDatasetSpec(input.packed, dataset);
    const existing = await this.catalog.datasetByName(name);
    if (existing) return this.sameDataset(existing, spec.sha256);

    const dir = confinedPath(this.root(), `${DATASETS_DIR}/${name}`, "name");
    const file = confinedPath(dir, `${spec.sha256}.tlds`, "sha256");
    await mkdir(dir, { recursive: true });
    await this.writeAtomically(file, input.packed);
    const counts = spec.counts.train.map((n, i) => `${dataset.classNames[i]} ${n}`).join(", ");
    const registered = await this.catalog.registerUploadedDataset({
      name,
      description:
        description ||
        `${dataset.format} upload: ${spec.counts.train.reduce((a, b) => a + b, 0)} images in ${spec.numClasses} classes (${truncate(counts, 200)})`,
      spec,
      classNames: dataset.classNames,
    });
    if (!registered) {
      // Another upload took the name with other content in the meantime: ours is not referenced.
      await rm(file, { force: true });
      throw nameTaken("dataset", name);
    }
    return registered;
  }

  /** The packed file of an uploaded dataset, for workers to download. */
  async datasetFile(name: string): Promise<StoredDatasetFile> {
    const dataset = await this.catalog.datasetByName(name);
    if (!dataset) throw new DomainError("NOT_FOUND", `name: no dataset named "${name}"`);
    if (dataset.spec.source !== "upload") {
      throw new DomainError(
        "INVALID_INPUT",
        `name: dataset "${name}" is built in (${dataset.spec.source}); workers load it locally, there is no file to download`,
      );
    }
    const dir = confinedPath(this.root(), `${DATASETS_DIR}/${dataset.name}`, "name");
    const file = await realConfinedPath(dir, `${dataset.spec.sha256}.tlds`, "dataset file").catch(
      missingAs(
        `name: dataset "${name}" is registered but its file is missing from the data directory`,
      ),
    );
    const info = await stat(file);
    return { path: file, sha256: dataset.spec.sha256, sizeBytes: info.size };
  }

  /** The packed file of an uploaded dataset, streamed, with its hash (what the download sends). */
  async openDatasetFile(name: string): Promise<BlobContent & { sha256: string }> {
    const file = await this.datasetFile(name);
    const folder = new LocalBlobStore(path.dirname(file.path), "dataset folder");
    const content = await folder.get(path.basename(file.path));
    if (!content)
      throw new DomainError(
        "NOT_FOUND",
        `name: dataset "${name}" is registered but its file is missing from the data directory`,
      );
    return { ...content, sha256: file.sha256 };
  }

  /**
   * Imports a tfjs LayersModel: `files` holds model.json and its weight files by name (other
   * files are ignored). `preprocessing`, when given, is recorded in model.json.
   */
  async importBaseModel(input: {
    name: string;
    files: ReadonlyMap<string, Uint8Array>;
    description?: string;
    preprocessing?: InputPreprocessing;
  }): Promise<{ baseModel: BaseModelDto; created: boolean }> {
    const name = parseName(input.name);
    const description = parseDescription(input.description);
    const modelJsonBytes = input.files.get(MODEL_JSON);
    if (!modelJsonBytes) {
      throw new DomainError(
        "INVALID_INPUT",
        `files: no model.json among the uploaded files (got: ${[...input.files.keys()].join(", ") || "none"})`,
      );
    }
    let json = modelImport(() => parseModelJson(new TextDecoder().decode(modelJsonBytes)));
    if (input.preprocessing) json = withPreprocessing(json, input.preprocessing);
    const weightFiles = new Map<string, Uint8Array>();
    // parseModelJson refuses weight paths that are not plain file names beside model.json.
    for (const file of json.weightsManifest.flatMap((group) => group.paths)) {
      const bytes = input.files.get(file);
      if (bytes) weightFiles.set(file, bytes);
    }
    return this.storeBaseModel(name, json, weightFiles, {
      source: { kind: "import" },
      description,
    });
  }

  /**
   * Makes a succeeded run's trained model a base model: cut before its classifier (the head's
   * softmax/SVM output layer; a hidden head layer stays, as a trained feature layer), with the
   * run recorded as its parent and the parent base model's preprocessing carried over.
   */
  async promoteRun(input: {
    runId: string;
    name: string;
    description?: string;
  }): Promise<BaseModelDto> {
    const name = parseName(input.name);
    const given = parseDescription(input.description);
    const run = await this.runs.byId(input.runId);
    if (!run) throw new DomainError("NOT_FOUND", `runId: no run "${input.runId}"`);
    if (run.status !== "SUCCEEDED")
      throw new DomainError(
        "INVALID_INPUT",
        `runId: run ${run.id} is ${run.status}; only a succeeded run can be promoted`,
      );
    const artifact = await this.runs.artifact(run.id, MODEL_JSON);
    if (!artifact)
      throw new DomainError(
        "INVALID_INPUT",
        `runId: run ${run.id} has no saved model (no model.json artifact)`,
      );
    const runDir = path.dirname(confinedPath(this.root(), artifact.storagePath, "storagePath"));
    const runJsonText = await realConfinedPath(runDir, MODEL_JSON, "model.json")
      .then((file) => readFile(file, "utf8"))
      .catch(
        missingAs(
          `runId: the model.json of run ${run.id} is recorded but missing from the data directory`,
        ),
      );
    const runJson = modelImport(() => parseModelJson(runJsonText));
    const shards = await Promise.all(
      runJson.weightsManifest
        .flatMap((group) => group.paths)
        .map((file) =>
          realConfinedPath(runDir, file, "weight file")
            .then((real) => readFile(real))
            .catch(
              missingAs(
                `runId: weight file "${file}" of run ${run.id} is missing from the data directory`,
              ),
            ),
        ),
    );
    const cut = modelImport(() =>
      cutBeforeLayer(runJson, concat(shards), RUN_MODEL_CLASSIFIER_LAYER, PROMOTED_WEIGHTS),
    );

    const experiment = await this.experiments.byId(run.experimentId);
    const parentBase = experiment
      ? await this.catalog.baseModelByName(experiment.baseModelName)
      : null;
    const preprocessing = parentBase ? await this.preprocessingOfStored(parentBase) : undefined;
    const json = preprocessing ? withPreprocessing(cut.modelJson, preprocessing) : cut.modelJson;
    const description =
      given ||
      `Trained by run ${run.id} (${run.strategy}, seed ${run.seed}) of experiment "${run.experimentName}"` +
        `${parentBase ? ` from base model ${parentBase.name}` : ""}; cut before its classifier (removed: ${cut.removedLayers.join(", ")}), output ${cut.outputLayer}.`;
    const stored = await this.storeBaseModel(
      name,
      json,
      new Map([[PROMOTED_WEIGHTS, cut.weights]]),
      { source: { kind: "run", runId: run.id }, description },
    );
    return stored.baseModel;
  }

  private async storeBaseModel(
    name: string,
    json: LayersModelJson,
    weightFiles: ReadonlyMap<string, Uint8Array>,
    meta: { source: Extract<BaseModelSource, { kind: "import" | "run" }>; description: string },
  ): Promise<{ baseModel: BaseModelDto; created: boolean }> {
    const modelJsonBytes = new TextEncoder().encode(JSON.stringify(json));
    const sizes = new Map<string, number>([
      [MODEL_JSON, modelJsonBytes.length],
      ...[...weightFiles].map(([f, b]) => [f, b.length] as [string, number]),
    ]);
    const inspection = modelImport(() => inspectLayersModel(json, sizes));
    const manifest = modelImport(() =>
      serializeBaseModelManifest({
        name,
        description: meta.description,
        inputShape: inspection.inputShape,
        layers: inspection.layers,
        totalParams: inspection.totalParams,
        preprocessing: inspection.preprocessing,
        source: meta.source,
      }),
    );

    const staging = path.join(this.root(), STAGING_DIR, randomUUID());
    await mkdir(staging, { recursive: true });
    try {
      for (const [file, bytes] of weightFiles)
        await writeFile(confinedPath(staging, file, "weight file"), bytes);
      await writeFile(path.join(staging, MODEL_JSON), modelJsonBytes);
      await writeFile(path.join(staging, BASE_MODEL_MANIFEST_FILE), manifest);
      const sha256 = hashModelDirectory(staging);
      const existing = await this.catalog.baseModelByName(name);
      if (existing)
        return {
          baseModel: publicBaseModel(await this.sameBaseModel(existing, sha256)),
          created: false,
        };

      const target = confinedPath(this.root(), `${BASE_MODELS_DIR}/${name}`, "name");
      if (existsSync(target)) {
        throw new DomainError(
          "INVALID_INPUT",
          `name: ${path.join(BASE_MODELS_DIR, name)} already exists in the data directory but is not registered; remove it or choose another name`,
        );
      }
      await mkdir(path.dirname(target), { recursive: true });
      await rename(staging, target);
      const registered = await this.catalog.registerBaseModel({
        name,
        description: meta.description,
        ...catalogSourceOf(meta.source),
        storagePath: path.relative(this.root(), target),
        inputShape: inspection.inputShape,
        layers: inspection.layers,
        totalParams: inspection.totalParams,
        sha256,
      });
      if (!registered) {
        await rm(target, { recursive: true, force: true });
        throw nameTaken("base model", name);
      }
      return { baseModel: publicBaseModel(registered.baseModel), created: registered.created };
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }

  private async preprocessingOfStored(
    model: BaseModelRecord,
  ): Promise<InputPreprocessing | undefined> {
    try {
      const dir = confinedPath(this.root(), model.storagePath, "storagePath");
      const json = JSON.parse(
        await readFile(await realConfinedPath(dir, MODEL_JSON, "model.json"), "utf8"),
      ) as { userDefinedMetadata?: unknown };
      return preprocessingOf(json.userDefinedMetadata);
    } catch {
      return undefined;
    }
  }

  private sameDataset(
    existing: DatasetDto,
    sha256: string,
  ): { dataset: DatasetDto; created: boolean } {
    if (existing.spec.source === "upload" && existing.spec.sha256 === sha256)
      return { dataset: existing, created: false };
    throw nameTaken("dataset", existing.name);
  }

  private async sameBaseModel(existing: BaseModelRecord, sha256: string): Promise<BaseModelRecord> {
    if (existing.sha256 === sha256) return existing;
    throw nameTaken("base model", existing.name);
  }

  private async writeAtomically(file: string, bytes: Uint8Array): Promise<void> {
    const staging = path.join(this.root(), STAGING_DIR);
    await mkdir(staging, { recursive: true });
    const temp = path.join(staging, `${randomUUID()}.part`);
    try {
      await writeFile(temp, bytes);
      await rename(temp, file);
    } finally {
      await rm(temp, { force: true });
    }
  }

  private root(): string {
    if (!this.dataDir)
      throw new Error(
        "catalog imports need the server's DATA_DIR (createServices(db, { dataDir }))",
      );
    return this.dataDir;
  }
}

function parseName(raw: string): string {
  const problem = catalogNameProblem(raw);
  if (problem) throw new DomainError("INVALID_INPUT", problem);
  return CatalogName.parse(raw);
}

/** A missing file becomes NOT_FOUND with `message`; other failures (a link out) pass unchanged. */
function missingAs(message: string): (error: unknown) => never {
  return (error) => {
    if ((error as NodeJS.ErrnoException).code === "ENOENT")
      throw new DomainError("NOT_FOUND", message);
    throw error;
  };
}

function parseDescription(raw: string | undefined): string {
  const parsed = CatalogDescription.safeParse(raw ?? "");
  if (!parsed.success)
    throw new DomainError(
      "INVALID_INPUT",
      parsed.error.issues[0]?.message ?? "description: invalid",
    );
  return parsed.data;
}

function nameTaken(what: string, name: string): DomainError {
  return new DomainError(
    "INVALID_INPUT",
    `name: a ${what} named "${name}" already exists with different content; choose another name`,
  );
}

/** Model validation failures are the uploader's to fix: they become INVALID_INPUT. */
function modelImport<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof ModelImportError || error instanceof BaseModelManifestError)
      throw new DomainError("INVALID_INPUT", `model: ${error.message}`);
    throw error;
  }
}

function publicBaseModel(record: BaseModelRecord): BaseModelDto {
  const { storagePath: _storagePath, sha256: _sha256, ...dto } = record;
  return dto;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
