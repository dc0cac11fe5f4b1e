import { API_V1_ROUTES } from "@tlab/api/http/api-v1-routes";
import { readPathParam } from "@/server/api-v1";
import { getAppContext } from "@/server/app-context";
import { errorResponse, jsonError } from "@/server/http-errors";
import { authorize } from "@/server/request-auth";

export const dynamic = "force-dynamic";

export async function GET(
  req: Request,
  { params }: { params: Promise<{ experimentId: string }> },
): Promise<Response> {
  const access = await authorize(req, API_V1_ROUTES.getExperiment.access);
  if (!access.ok) return access.response;
  const id = readPathParam("experimentId", (await params).experimentId);
  if (id instanceof Response) return id;
  try {
    const { services } = await getAppContext();
    const experiment = await services.experimentsRepo.byId(id);
    if (!experiment) return jsonError(404, `experimentId: no experiment "${id}"`);
    return Response.json(experiment);
  } catch (error) {
    return errorResponse(error, "reading an experiment");
  }
}
