import { readdir } from "node:fs/promises";
import { confinedPath, realConfinedPath } from "@tlab/storage/confined-path";
import { getAppContext } from "@/server/app-context";
import { fileResponse } from "@/server/file-response";
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
    const { env, services } = await getAppContext();
    const model = await services.catalog.baseModelByName(name);
    if (!model) return jsonError(404, `name: no base model named "${name}"`);
    const unheld = await refuseUnheldFile(
      access.principal,
      { baseModelId: model.id },
      `base model "${name}"`,
    );
    if (unheld) return unheld;
    const dir = confinedPath(env.DATA_DIR, model.storagePath, "storagePath");
    // Only regular files actually present in the model's own directory are served, by their
    // real path, which must lie inside that directory.
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    if (!entries.some((entry) => entry.isFile() && entry.name === file)) {
      return jsonError(404, `file: base model "${name}" has no file "${file}"`);
    }
    return await fileResponse(await realConfinedPath(dir, file, "file"), file, {
      attachment: false,
    });
  } catch (error) {
    return errorResponse(error, "serving a base model file");
  }
}
