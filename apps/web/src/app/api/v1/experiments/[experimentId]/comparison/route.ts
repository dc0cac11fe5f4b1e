import { API_V1_ROUTES } from "@tlab/api/http/api-v1-routes";
import { readPathParam } from "@/server/api-v1";
import { getAppContext } from "@/server/app-context";
import { errorResponse } from "@/server/http-errors";
import { authorize } from "@/server/request-auth";

export const dynamic = "force-dynamic";

/** The experiment page's comparison data: the same service, so a script sees what people see. */
export async function GET(
  req: Request,
  { params }: { params: Promise<{ experimentId: string }> },
): Promise<Response> {
  const access = await authorize(req, API_V1_ROUTES.getComparison.access);
  if (!access.ok) return access.response;
  const id = readPathParam("experimentId", (await params).experimentId);
  if (id instanceof Response) return id;
  try {
    const { services } = await getAppContext();
    return Response.json(await services.comparison.compare(id));
  } catch (error) {
    return errorResponse(error, "comparing an experiment's runs");
  }
}
