import { catalogNameProblem, parseImageSize } from "@tlab/core/catalog-input";
import { PACKED_DATASET_CONTENT_TYPE, packDataset } from "@tlab/core/dataset-pack";
import { importImageFolder } from "@tlab/core/image-folder";
import { getAppContext } from "@/server/app-context";
import { authorizeCatalog } from "@/server/catalog-auth";
import { errorResponse, jsonError } from "@/server/http-errors";
import { sharpImageDecoder } from "@tlab/images/sharp-image-decoder";
import {
  isUploadTooLarge,
  mediaTypeOf,
  readBodyWithLimit,
  tooLargeResponse,
  unsupportedMediaType,
  type UploadLimit,
} from "@/server/upload-body";
import { zipEntries } from "@tlab/storage/zip-entries";
import { zipLimitsForUpload } from "@tlab/core/archive-entries";

type Params = { params: Promise<{ name: string }> };

const ZIP_TYPES = new Set(["application/zip", "application/x-zip-compressed", "application/x-zip"]);
const ACCEPTED_TYPES = new Set([PACKED_DATASET_CONTENT_TYPE, ...ZIP_TYPES]);

/**
 * Adds a dataset to the catalog. The body is either a packed dataset (what `tlab datasets add`
 * sends, Content-Type application/vnd.tlab.dataset) or a zip of an image folder (the dashboard's
 * upload, Content-Type application/zip; query `size=HxW` and `channels=1|3` as in the CLI).
 * Both end in the same validation and storage. 201 when created, 200 when the same content was
 * already registered under the name.
 */
export async function PUT(req: Request, { params }: Params): Promise<Response> {
  const { name } = await params;
  try {
    const access = await authorizeCatalog(req, "add");
    if (!access.ok) return access.response;
    const { env, services } = await getAppContext();
    const query = new URL(req.url).searchParams;
    const unsupported = unsupportedMediaType(
      req,
      ACCEPTED_TYPES,
      `send application/zip (an image folder, one folder per class) or ${PACKED_DATASET_CONTENT_TYPE} (from tlab datasets add)`,
    );
    if (unsupported) return unsupported;
    // A name that cannot be stored is refused before the body is read.
    const nameProblem = catalogNameProblem(name);
    if (nameProblem) return jsonError(400, nameProblem);
    const contentType = mediaTypeOf(req);
    const limit: UploadLimit = {
      maxBytes: env.TLAB_MAX_DATASET_UPLOAD_BYTES,
      what: "a dataset upload",
      setting: "TLAB_MAX_DATASET_UPLOAD_BYTES",
    };
    // Refused by its Content-Length before anything is read, or as soon as it streams past the limit.
    const body = await readBodyWithLimit(req, limit);
    if (body.length === 0) return jsonError(400, "body: the upload is empty");

    let packed: Uint8Array = body;
    let notes: string[] = [];
    if (ZIP_TYPES.has(contentType)) {
      const sizeText = query.get("size");
      const channelsText = query.get("channels");
      if (channelsText !== null && channelsText !== "1" && channelsText !== "3")
        return jsonError(400, `channels: must be 1 or 3, got "${channelsText}"`);
      const imported = await importImageFolder(
        zipEntries(body, zipLimitsForUpload(limit.maxBytes, limit.setting)),
        sharpImageDecoder,
        {
          ...(sizeText ? { size: parseImageSize(sizeText) } : {}),
          ...(channelsText ? { channels: Number(channelsText) as 1 | 3 } : {}),
        },
      );
      packed = packDataset(imported.dataset);
      notes = imported.notes;
    }
    const result = await services.catalogImport.importDataset({
      name,
      packed,
      description: query.get("description") ?? undefined,
    });
    return Response.json({ ...result, notes }, { status: result.created ? 201 : 200 });
  } catch (error) {
    if (isUploadTooLarge(error)) return tooLargeResponse(error.limit);
    if (isNamed(error, "InvalidOptionError")) return jsonError(400, error.message);
    if (isNamed(error, "DatasetImportError", "ZipError"))
      return jsonError(400, `dataset: ${error.message}`);
    return errorResponse(error, "importing a dataset");
  }
}

/** Bad uploads, recognised by name: each route is its own module graph with its own copy of the classes. */
function isNamed(error: unknown, ...names: string[]): error is Error {
  return error instanceof Error && names.includes(error.name);
}
