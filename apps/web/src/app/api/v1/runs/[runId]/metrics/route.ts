import { API_V1_ROUTES } from "@tlab/api/http/api-v1-routes";
import { readBody, readPathParam } from "@/server/api-v1";
import { getAppContext } from "@/server/app-context";
import { errorResponse } from "@/server/http-errors";
import { authorize } from "@/server/request-auth";

export const dynamic = "force-dynamic";

type Params = { params: Promise<{ runId: string }> };
const LOG = API_V1_ROUTES.logMetrics;

export async function GET(req: Request, { params }: Params): Promise<Response> {
  const access = await authorize(req, API_V1_ROUTES.getMetrics.access);
  if (!access.ok) return access.response;
  const id = readPathParam("runId", (await params).runId);
  if (id instanceof Response) return id;
  try {
    const { services } = await getAppContext();
    await services.runs.assertExists(id);
    return Response.json({ series: await services.comparison.runSeries(id) });
  } catch (error) {
    return errorResponse(error, "reading a run's metrics");
  }
}

export async function POST(req: Request, { params }: Params): Promise<Response> {
  const access = await authorize(req, LOG.access);
  if (!access.ok) return access.response;
  const id = readPathParam("runId", (await params).runId);
  if (id instanceof Response) return id;
  const input = await readBody(req, LOG.body);
  if (input instanceof Response) return input;
  try {
    const { services } = await getAppContext();
    return Response.json(await services.external.logMetrics(id, input));
  } catch (error) {
    return errorResponse(error, "storing a run's metrics");
  }
}
