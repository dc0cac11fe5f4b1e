import { catalogNameProblem, parseInputRange } from "@tlab/core/catalog-input";
import { zipLimitsForUpload } from "@tlab/core/archive-entries";
import { collectModelFiles } from "@tlab/core/layers-model-json";
import { getAppContext } from "@/server/app-context";
import { authorizeCatalog } from "@/server/catalog-auth";
import { errorResponse, jsonError } from "@/server/http-errors";
import {
  isUploadTooLarge,
  readBodyWithLimit,
  tooLargeResponse,
  unsupportedMediaType,
  type UploadLimit,
} from "@/server/upload-body";
import { zipEntries } from "@tlab/storage/zip-entries";

const ZIP_TYPES = new Set(["application/zip", "application/x-zip-compressed", "application/x-zip"]);

/**
 * Imports a tfjs LayersModel as a base model. The body is a zip holding model.json and the weight
 * files it lists (a wrapping folder is fine); query `description` and `inputRange=lo,hi` (the
 * pixel range the model expects, recorded in model.json; default 0,1). The same endpoint serves
 * `tlab models add` and the dashboard's upload. 201 when created, 200 when already registered.
 */
export async function PUT(
  req: Request,
  { params }: { params: Promise<{ name: string }> },
): Promise<Response> {
  const { name } = await params;
  try {
    const access = await authorizeCatalog(req, "add");
    if (!access.ok) return access.response;
    const { env, services } = await getAppContext();
    const unsupported = unsupportedMediaType(
      req,
      ZIP_TYPES,
      "send a zip (application/zip) of model.json and its weight files",
    );
    if (unsupported) return unsupported;
    // A name that cannot be stored is refused before the body is read.
    const nameProblem = catalogNameProblem(name);
    if (nameProblem) return jsonError(400, nameProblem);
    const limit: UploadLimit = {
      maxBytes: env.TLAB_MAX_MODEL_UPLOAD_BYTES,
      what: "a base model upload",
      setting: "TLAB_MAX_MODEL_UPLOAD_BYTES",
    };
    // Refused by its Content-Length before anything is read, or as soon as it streams past the limit.
    const body = await readBodyWithLimit(req, limit);
    if (body.length === 0) return jsonError(400, "body: the upload is empty");
    const query = new URL(req.url).searchParams;
    const rangeText = query.get("inputRange");
    const files = await collectModelFiles(
      zipEntries(body, zipLimitsForUpload(limit.maxBytes, limit.setting)),
    );
    const result = await services.catalogImport.importBaseModel({
      name,
      files,
      description: query.get("description") ?? undefined,
      ...(rangeText ? { preprocessing: { inputRange: parseInputRange(rangeText) } } : {}),
    });
    return Response.json(result, { status: result.created ? 201 : 200 });
  } catch (error) {
    if (isUploadTooLarge(error)) return tooLargeResponse(error.limit);
    if (isNamed(error, "InvalidOptionError")) return jsonError(400, error.message);
    if (isNamed(error, "ModelImportError", "ZipError"))
      return jsonError(400, `model: ${error.message}`);
    return errorResponse(error, "importing a base model");
  }
}

/** Bad uploads, recognised by name: each route is its own module graph with its own copy of the classes. */
function isNamed(error: unknown, ...names: string[]): error is Error {
  return error instanceof Error && names.includes(error.name);
}
