import { getAppContext } from "@/server/app-context";
import { WORKER_ID_HEADER } from "@/server/worker-id-header";
import { streamResponse } from "@/server/file-response";
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
    const credential = workerCredential(access.principal);
    // Refused before the body is read; the service checks again when it stores.
    await services.artifacts.assertMayStore(credential, workerId, runId);
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
    // Counted while it streams to the store: a body without a length, or a longer one, stops at the limit.
    const stored = await services.artifacts.store({
      credential,
      workerId,
      runId,
      fileName: file,
      body: limitBodyStream(req.body, limit),
    });
    return Response.json(stored, { status: 201 });
  } catch (error) {
    // The blob store removes a partial file; nothing is recorded.
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
    const { services } = await getAppContext();
    const content = await services.artifacts.open(runId, file);
    return streamResponse(content.body, content.sizeBytes, file, { attachment: true });
  } catch (error) {
    return errorResponse(error, "downloading an artifact");
  }
}
