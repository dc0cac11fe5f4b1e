import { getAppContext } from "@/server/app-context";
import { readRunArtifactPath, storeRunArtifact, WORKER_ID_HEADER } from "@/server/artifact-storage";
import { fileResponse } from "@/server/file-response";
import { isSafeFileName } from "@/server/file-names";
import { errorResponse, jsonError } from "@/server/http-errors";
import { authorize } from "@/server/request-auth";
import { refuseUnheldFile } from "@/server/worker-file-access";
import { workerCredential } from "@tlab/core/access";
import {
  declaredTooLarge,
  isUploadTooLarge,
  limitBodyStream,
  tooLargeResponse,
  unsupportedMediaType,
  type UploadLimit,
} from "@/server/upload-body";

/** What workers send: the bytes of model.json, weights.bin and checkpoint.* as they are. */
const ARTIFACT_TYPES = new Set(["application/octet-stream"]);

type Params = { params: Promise<{ runId: string; file: string }> };

function invalidName(field: string, value: string): Response {
  return jsonError(
    400,
    `${field}: "${value}" is not valid (letters, digits, ".", "_", "-"; no "..", no path separators)`,
  );
}

/**
 * Upload of a run's output (the trained model files) by the worker holding the run.
 * Requires the worker token and the worker's id; the run must be RUNNING on that worker.
 */
export async function PUT(req: Request, { params }: Params): Promise<Response> {
  const { runId, file } = await params;
  if (!isSafeFileName(runId)) return invalidName("runId", runId);
  if (!isSafeFileName(file)) return invalidName("file", file);
  try {
    const { env, services } = await getAppContext();
    const access = await authorize(req, "worker");
    if (!access.ok) return access.response;
    const workerId = req.headers.get(WORKER_ID_HEADER)?.trim();
    if (!workerId)
      return jsonError(
        400,
        `${WORKER_ID_HEADER}: header is required (the id of the worker holding the run)`,
      );
    if (access.principal.kind !== "worker")
      return jsonError(403, "only trainer workers may upload artifacts");
    await services.runs.assertHolds(workerCredential(access.principal), workerId, runId);
    const unsupported = unsupportedMediaType(
      req,
      ARTIFACT_TYPES,
      "send the file's bytes as application/octet-stream",
    );
    if (unsupported) return unsupported;
    const limit: UploadLimit = {
      maxBytes: env.TLAB_MAX_ARTIFACT_UPLOAD_BYTES,
      what: "a run artifact",
      setting: "TLAB_MAX_ARTIFACT_UPLOAD_BYTES",
    };
    const tooLarge = declaredTooLarge(req, limit);
    if (tooLarge) return tooLarge;
    if (!req.body) return jsonError(400, "body: the upload is empty");
    // Counted while it streams to disk: a body without a length, or a longer one, stops at the limit.
    const stored = await storeRunArtifact(
      env.DATA_DIR,
      runId,
      file,
      limitBodyStream(req.body, limit),
    );
    // checkpoint.* are the latest epoch state (for resuming); everything else is the trained model.
    const kind = file.startsWith("checkpoint.") ? "checkpoint" : "model";
    await services.runsRepo.recordArtifact({ runId, kind, fileName: file, ...stored });
    return Response.json(
      { runId, fileName: file, sizeBytes: stored.sizeBytes, sha256: stored.sha256 },
      { status: 201 },
    );
  } catch (error) {
    // The partial file is removed by storeRunArtifact; nothing is recorded.
    if (isUploadTooLarge(error)) return tooLargeResponse(error.limit);
    return errorResponse(error, "storing an artifact");
  }
}

/** Download of a stored artifact, as an attachment, for signed-in users and for the worker token whose worker holds the run. */
export async function GET(req: Request, { params }: Params): Promise<Response> {
  const { runId, file } = await params;
  if (!isSafeFileName(runId)) return invalidName("runId", runId);
  if (!isSafeFileName(file)) return invalidName("file", file);
  try {
    // Workers read a run's checkpoint to resume it after another worker died.
    const access = await authorize(req, ["viewer", "worker"]);
    if (!access.ok) return access.response;
    const unheld = await refuseUnheldFile(access.principal, { runId }, `run "${runId}"`);
    if (unheld) return unheld;
    const { env, services } = await getAppContext();
    const artifact = await services.runsRepo.artifact(runId, file);
    if (!artifact) return jsonError(404, `file: run "${runId}" has no artifact "${file}"`);
    return await fileResponse(
      await readRunArtifactPath(env.DATA_DIR, runId, artifact.storagePath),
      file,
      { attachment: true },
    );
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      return jsonError(
        404,
        `file: the artifact "${file}" of run "${runId}" is recorded but missing from the data directory`,
      );
    }
    return errorResponse(error, "downloading an artifact");
  }
}
