import { API_V1_ROUTES } from "@tlab/api/http/api-v1-routes";
import { readBody, readPathParam } from "@/server/api-v1";
import { getAppContext } from "@/server/app-context";
import { errorResponse } from "@/server/http-errors";
import { authorize } from "@/server/request-auth";

export const dynamic = "force-dynamic";

type Params = { params: Promise<{ experimentId: string }> };
const START = API_V1_ROUTES.startRun;

export async function GET(req: Request, { params }: Params): Promise<Response> {
  const access = await authorize(req, API_V1_ROUTES.listRuns.access);
  if (!access.ok) return access.response;
  const id = readPathParam("experimentId", (await params).experimentId);
  if (id instanceof Response) return id;
  try {
    const { services } = await getAppContext();
    const experiment = await services.experiments.byId(id);
    return Response.json({ items: experiment.runs });
  } catch (error) {
    return errorResponse(error, "listing runs");
  }
}

export async function POST(req: Request, { params }: Params): Promise<Response> {
  const access = await authorize(req, START.access);
  if (!access.ok) return access.response;
  const id = readPathParam("experimentId", (await params).experimentId);
  if (id instanceof Response) return id;
  const input = await readBody(req, START.body);
  if (input instanceof Response) return input;
  try {
    const { services } = await getAppContext();
    const { run, created } = await services.external.startRun(id, input);
    return Response.json({ id: run.id, created }, { status: 201 });
  } catch (error) {
    return errorResponse(error, "starting a run");
  }
}
