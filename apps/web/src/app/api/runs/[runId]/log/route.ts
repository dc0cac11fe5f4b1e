import { getAppContext } from "@/server/app-context";
import { isSafeFileName } from "@/server/file-names";
import { errorResponse, jsonError } from "@/server/http-errors";
import { authorize } from "@/server/request-auth";

export const dynamic = "force-dynamic";

/** A run's whole log as a text file: one line per logged line, a header before each attempt. */
export async function GET(
  req: Request,
  { params }: { params: Promise<{ runId: string }> },
): Promise<Response> {
  const access = await authorize(req, "viewer");
  if (!access.ok) return access.response;
  try {
    const { runId } = await params;
    if (!isSafeFileName(runId)) return jsonError(400, `runId: "${runId}" is not a run id`);
    const { services } = await getAppContext();
    return new Response(await services.runLogs.asText(runId), {
      headers: {
        "Content-Type": "text/plain; charset=utf-8",
        "Content-Disposition": `attachment; filename="run-${runId}.log"`,
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
      },
    });
  } catch (error) {
    return errorResponse(error, "downloading a run's log");
  }
}
