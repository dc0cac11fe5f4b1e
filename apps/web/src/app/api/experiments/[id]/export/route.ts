import { getAppContext } from "@/server/app-context";
import { exportFormat, exportResponse } from "@/server/export-response";
import { errorResponse } from "@/server/http-errors";
import { authorize } from "@/server/request-auth";

export const dynamic = "force-dynamic";

/** An experiment's comparison as a download: `?format=csv` (one row per run) or `?format=json`. */
export async function GET(
  req: Request,
  { params }: { params: Promise<{ id: string }> },
): Promise<Response> {
  const access = await authorize(req, "viewer");
  if (!access.ok) return access.response;
  const format = exportFormat(req);
  if (format instanceof Response) return format;
  try {
    const { services } = await getAppContext();
    return exportResponse(await services.export.experiment((await params).id, format));
  } catch (error) {
    return errorResponse(error, "exporting an experiment");
  }
}
