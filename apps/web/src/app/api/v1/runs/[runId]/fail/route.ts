import { API_V1_ROUTES } from "@tlab/api/http/api-v1-routes";
import { readBody, readPathParam } from "@/server/api-v1";
import { getAppContext } from "@/server/app-context";
import { errorResponse } from "@/server/http-errors";
import { authorize } from "@/server/request-auth";

export const dynamic = "force-dynamic";

const FAIL = API_V1_ROUTES.failRun;

export async function POST(
  req: Request,
  { params }: { params: Promise<{ runId: string }> },
): Promise<Response> {
  const access = await authorize(req, FAIL.access);
  if (!access.ok) return access.response;
  const id = readPathParam("runId", (await params).runId);
  if (id instanceof Response) return id;
  const input = await readBody(req, FAIL.body);
  if (input instanceof Response) return input;
  try {
    const { services } = await getAppContext();
    return Response.json(await services.external.fail(id, input.reason));
  } catch (error) {
    return errorResponse(error, "failing a run");
  }
}
