import { API_V1_ROUTES } from "@tlab/api/http/api-v1-routes";
import { readPathParam } from "@/server/api-v1";
import { getAppContext } from "@/server/app-context";
import { errorResponse } from "@/server/http-errors";
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
    return Response.json(await services.experiments.byId(id));
  } catch (error) {
    return errorResponse(error, "reading an experiment");
  }
}
