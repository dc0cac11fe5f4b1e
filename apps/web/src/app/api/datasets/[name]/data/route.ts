import { getAppContext } from "@/server/app-context";
import { authorizeCatalog } from "@/server/catalog-auth";
import { streamResponse } from "@/server/file-response";
import { errorResponse } from "@/server/http-errors";
import { refuseUnheldFile } from "@/server/worker-file-access";

/** The packed file of an uploaded dataset, for signed-in users and workers training a run on it; X-Content-SHA256 carries its hash. */
export async function GET(
  req: Request,
  { params }: { params: Promise<{ name: string }> },
): Promise<Response> {
  const { name } = await params;
  try {
    const access = await authorizeCatalog(req, "download");
    if (!access.ok) return access.response;
    const { services } = await getAppContext();
    const dataset = await services.catalog.datasetByName(name);
    if (dataset) {
      const unheld = await refuseUnheldFile(
        access.principal,
        { datasetId: dataset.id },
        `dataset "${name}"`,
      );
      if (unheld) return unheld;
    }
    const file = await services.catalogImport.openDatasetFile(name);
    const response = streamResponse(file.body, file.sizeBytes, `${file.sha256}.tlds`, {
      attachment: true,
    });
    response.headers.set("X-Content-SHA256", file.sha256);
    return response;
  } catch (error) {
    return errorResponse(error, "downloading a dataset");
  }
}
