import { readFile } from "node:fs/promises";
import path from "node:path";
import { DomainError } from "@tlab/core/errors";
import {
  decodePredictions,
  PREDICTIONS_FILE,
  predictionsResponse,
  type RunPredictions,
  type RunPredictionsResponse,
} from "@tlab/core/run-predictions";
import type { ReportedPredictions } from "@tlab/core/external-run";
import type { RunRepository } from "@tlab/db/repositories/run-repository";
import { realConfinedPath } from "@tlab/storage/confined-path";

/** 8 bytes an image: 8 million test images. A larger file is not one the trainer wrote. */
const MAX_PREDICTIONS_BYTES = 64 * 1024 ** 2;

/**
 * A run's per-image test predictions, stored as the artifact PREDICTIONS_FILE the worker uploads
 * before completing the run (see run-predictions.ts): an artifact, not a column, because it goes
 * through the upload path's size limit, retries and holder check, needs no schema change, and
 * keeps run rows small; it is read only when a gallery or a one-seed comparison needs it.
 */
export class RunPredictionsService {
  constructor(
    private readonly runs: RunRepository,
    private readonly dataDir: string | undefined,
    /** What a client reported with a run it trained elsewhere (null: nothing). */
    private readonly reported: (runId: string) => Promise<ReportedPredictions | null>,
  ) {}

  /**
   * The run's predictions, or undefined when it has none stored (unfinished, from before they were,
   * or reported by a client without them). A client's come in index order, confidence optional (NaN).
   */
  async predictions(runId: string): Promise<RunPredictions | undefined> {
    const artifact = await this.runs.artifact(runId, PREDICTIONS_FILE);
    if (!artifact) {
      const reported = await this.reported(runId);
      return reported ? fromReported(reported) : undefined;
    }
    if (!this.dataDir) return undefined;
    if (artifact.sizeBytes > MAX_PREDICTIONS_BYTES)
      throw new DomainError(
        "INVALID_INPUT",
        `run "${runId}": its predictions file is ${artifact.sizeBytes} bytes, more than the ${MAX_PREDICTIONS_BYTES} a test set can need`,
      );
    // The recorded path must be the run's own artifact folder: DATA_DIR/artifacts/<runId>/<file>.
    const folder = path.posix.join("artifacts", runId);
    if (path.posix.dirname(artifact.storagePath) !== folder)
      throw new DomainError(
        "INVALID_INPUT",
        `storagePath: "${artifact.storagePath}" is not in the artifact folder of run "${runId}"`,
      );
    const file = await realConfinedPath(this.dataDir, artifact.storagePath, "storagePath").catch(
      (error: NodeJS.ErrnoException) => {
        if (error.code === "ENOENT")
          throw new DomainError(
            "NOT_FOUND",
            `run "${runId}": its predictions are recorded but the file is missing from the data directory`,
          );
        throw error;
      },
    );
    return decodePredictions(new Uint8Array(await readFile(file)));
  }

  /** GET /api/runs/<id>/predictions: class names and one entry per test image. */
  async response(runId: string): Promise<RunPredictionsResponse> {
    const run = await this.runs.byId(runId);
    if (!run) throw new DomainError("NOT_FOUND", `runId: no run "${runId}"`);
    const predictions = await this.predictions(runId);
    if (!predictions || !run.finalMetrics)
      throw new DomainError(
        "NOT_FOUND",
        `runId: run "${runId}" has no stored predictions (${run.status === "SUCCEEDED" ? "it finished before predictions were stored" : `it is ${run.status}, predictions come when it succeeds`})`,
      );
    return predictionsResponse(run.finalMetrics.classNames, predictions);
  }
}

function fromReported(reported: ReportedPredictions): RunPredictions {
  const rows = [...reported.predictions].sort((a, b) => a.index - b.index);
  return {
    labels: Int32Array.from(rows, (r) => r.label),
    predicted: Int32Array.from(rows, (r) => r.predicted),
    confidence: Float32Array.from(rows, (r) => r.confidence ?? Number.NaN),
  };
}
