import { getAppContext } from "@/server/app-context";
import { streamResponse } from "@/server/file-response";
import { isSafeFileName } from "@/server/file-names";
import { errorResponse, jsonError } from "@/server/http-errors";
import { authorize } from "@/server/request-auth";
import { refuseUnheldFile } from "@/server/worker-file-access";

/** Serves a base model's files (model.json and its weight shards) to signed-in users and to workers training a run on it. */
export async function GET(
  req: Request,
  { params }: { params: Promise<{ name: string; file: string }> },
): Promise<Response> {
  const { name, file } = await params;
  if (!isSafeFileName(file)) {
    return jsonError(
      400,
      `file: "${file}" is not a valid file name (letters, digits, ".", "_", "-"; no path separators)`,
    );
  }
  try {
    const access = await authorize(req, ["worker", "viewer"]);
    if (!access.ok) return access.response;
    const { services } = await getAppContext();
    const model = await services.catalog.baseModelByName(name);
    if (!model) return jsonError(404, `name: no base model named "${name}"`);
    const unheld = await refuseUnheldFile(
      access.principal,
      { baseModelId: model.id },
      `base model "${name}"`,
    );
    if (unheld) return unheld;
    const content = await services.catalog.baseModelFile(model, file);
    return streamResponse(content.body, content.sizeBytes, file, { attachment: false });
  } catch (error) {
    return errorResponse(error, "serving a base model file");
  }
}
