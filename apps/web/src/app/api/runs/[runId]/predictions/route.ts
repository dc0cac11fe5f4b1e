import { getAppContext } from "@/server/app-context";
import { errorResponse, jsonError } from "@/server/http-errors";
import { RunId } from "@tlab/core/run";
import { authorize } from "@/server/request-auth";

export const dynamic = "force-dynamic";

/**
 * The run's per-image test predictions: `{ classNames, predictions: [{ index, label, predicted,
 * confidence }] }`, index the image's place in the seed's shared test set. Readable by whoever may
 * read the run (viewer and up).
 */
export async function GET(
  req: Request,
  { params }: { params: Promise<{ runId: string }> },
): Promise<Response> {
  const access = await authorize(req, "viewer");
  if (!access.ok) return access.response;
  try {
    const parsed = RunId.safeParse(await params);
    if (!parsed.success) return jsonError(400, parsed.error.issues[0]!.message);
    const { runId } = parsed.data;
    const { services } = await getAppContext();
    return Response.json(await services.predictions.response(runId));
  } catch (error) {
    return errorResponse(error, "reading a run's predictions");
  }
}
