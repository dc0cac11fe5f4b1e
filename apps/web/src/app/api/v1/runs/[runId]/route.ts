import { API_V1_ROUTES } from "@tlab/api/http/api-v1-routes";
import { readPathParam } from "@/server/api-v1";
import { getAppContext } from "@/server/app-context";
import { errorResponse } from "@/server/http-errors";
import { authorize } from "@/server/request-auth";

export const dynamic = "force-dynamic";

export async function GET(
  req: Request,
  { params }: { params: Promise<{ runId: string }> },
): Promise<Response> {
  const access = await authorize(req, API_V1_ROUTES.getRun.access);
  if (!access.ok) return access.response;
  const id = readPathParam("runId", (await params).runId);
  if (id instanceof Response) return id;
  try {
    const { services } = await getAppContext();
    const run = await services.runs.byId(id);
    const reported = run.reportedByClient ? await services.external.reported(id) : null;
    return Response.json({ ...run, reported });
  } catch (error) {
    return errorResponse(error, "reading a run");
  }
}
