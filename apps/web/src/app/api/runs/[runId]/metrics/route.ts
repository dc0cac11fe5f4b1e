import { getAppContext } from "@/server/app-context";
import { exportFormat, exportResponse } from "@/server/export-response";
import { errorResponse } from "@/server/http-errors";
import { authorize } from "@/server/request-auth";

export const dynamic = "force-dynamic";

/** Every metric point of a run as a download: `?format=csv` (name, step, value) or `?format=json`. */
export async function GET(
  req: Request,
  { params }: { params: Promise<{ runId: string }> },
): Promise<Response> {
  const access = await authorize(req, "viewer");
  if (!access.ok) return access.response;
  const format = exportFormat(req);
  if (format instanceof Response) return format;
  try {
    const { runId } = await params;
    const { services } = await getAppContext();
    await services.runs.assertExists(runId);
    return exportResponse(await services.export.runMetrics(runId, format));
  } catch (error) {
    return errorResponse(error, "exporting a run's metrics");
  }
}
