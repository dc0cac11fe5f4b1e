import path from "node:path";
import { DomainError } from "@tlab/core/errors";
import type { RunRepository } from "@tlab/db/repositories/run-repository";
import type { BlobContent, BlobStore } from "../storage/blob-store";
import type { RunService } from "./run-service";

/** Artifact keys are `<runId>/<fileName>` in the store; the database records them under this folder of DATA_DIR. */
export const ARTIFACTS_DIR = "artifacts";

export interface StoredArtifact {
  runId: string;
  fileName: string;
  sizeBytes: number;
  sha256: string;
}

/** A run's output files: the trained model and the latest checkpoint, uploaded by the worker holding the run. */
export class ArtifactService {
  constructor(
    private readonly runsRepo: RunRepository,
    private readonly runs: RunService,
    private readonly blobs: BlobStore,
  ) {}

  /** Refuses an upload unless the run is RUNNING on this worker, acting with its own credential. */
  async assertMayStore(credential: string, workerId: string, runId: string): Promise<void> {
    await this.runs.assertHolds(credential, workerId, runId);
  }

  /**
   * Stores an upload from the worker holding the run (the run must be RUNNING on that worker),
   * then records it. A body that fails (one over its size limit) leaves nothing stored or recorded.
   */
  async store(input: {
    credential: string;
    workerId: string;
    runId: string;
    fileName: string;
    body: ReadableStream<Uint8Array>;
  }): Promise<StoredArtifact> {
    const { runId, fileName } = input;
    await this.runs.assertHolds(input.credential, input.workerId, runId);
    const stored = await this.blobs.put(`${runId}/${fileName}`, input.body);
    // checkpoint.* are the latest epoch state (for resuming); everything else is the trained model.
    const kind = fileName.startsWith("checkpoint.") ? "checkpoint" : "model";
    await this.runsRepo.recordArtifact({
      runId,
      kind,
      fileName,
      storagePath: path.posix.join(ARTIFACTS_DIR, runId, fileName),
      ...stored,
    });
    return { runId, fileName, ...stored };
  }

  /** A recorded artifact's bytes. Its recorded path must name a file in the run's own folder. */
  async open(runId: string, fileName: string): Promise<BlobContent> {
    const artifact = await this.runsRepo.artifact(runId, fileName);
    if (!artifact)
      throw new DomainError("NOT_FOUND", `file: run "${runId}" has no artifact "${fileName}"`);
    const folder = path.posix.join(ARTIFACTS_DIR, runId);
    if (path.posix.dirname(artifact.storagePath) !== folder)
      throw new DomainError(
        "INVALID_INPUT",
        `storagePath: "${artifact.storagePath}" is not in the artifact folder of run "${runId}"`,
      );
    const content = await this.blobs.get(`${runId}/${path.posix.basename(artifact.storagePath)}`);
    if (!content)
      throw new DomainError(
        "NOT_FOUND",
        `file: the artifact "${fileName}" of run "${runId}" is recorded but missing from the data directory`,
      );
    return content;
  }
}
