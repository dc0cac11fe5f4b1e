import { API_V1_ROUTES } from "@tlab/api/http/api-v1-routes";
import { readBody, readQuery } from "@/server/api-v1";
import { getAppContext } from "@/server/app-context";
import { errorResponse } from "@/server/http-errors";
import { authorize } from "@/server/request-auth";

export const dynamic = "force-dynamic";

const LIST = API_V1_ROUTES.listExperiments;
const CREATE = API_V1_ROUTES.createExperiment;

export async function GET(req: Request): Promise<Response> {
  const access = await authorize(req, LIST.access);
  if (!access.ok) return access.response;
  const query = readQuery(req, LIST.query);
  if (query instanceof Response) return query;
  try {
    const { services } = await getAppContext();
    return Response.json(await services.experiments.list(query));
  } catch (error) {
    return errorResponse(error, "listing experiments");
  }
}

export async function POST(req: Request): Promise<Response> {
  const access = await authorize(req, CREATE.access);
  if (!access.ok) return access.response;
  const input = await readBody(req, CREATE.body);
  if (input instanceof Response) return input;
  try {
    const { services } = await getAppContext();
    const by = access.principal.kind === "user" ? access.principal.user : null;
    const created = await services.external.createExperiment(input, by);
    return Response.json(created, { status: 201 });
  } catch (error) {
    return errorResponse(error, "creating an experiment");
  }
}
