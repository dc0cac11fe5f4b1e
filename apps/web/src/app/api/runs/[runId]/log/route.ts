import { formatRunLogLine, RUN_LOG_MAX_PAGE, type RunLogPage } from "@tlab/core/run-log";
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
    await services.runs.assertExists(runId);
    const out: string[] = [];
    let attempt = 0;
    let after: RunLogPage["next"] = null;
    do {
      const page: RunLogPage = await services.runLogs.page({
        runId,
        after: after ?? undefined,
        limit: RUN_LOG_MAX_PAGE,
      });
      for (const line of page.lines) {
        if (line.attempt !== attempt) {
          attempt = line.attempt;
          out.push(`# attempt ${attempt}`);
        }
        // A message spanning lines (a stack) keeps its continuation lines indented under it.
        out.push(formatRunLogLine(line).replace(/\n/g, "\n    "));
      }
      after = page.next;
    } while (after);
    if (out.length === 0) out.push("# no log lines yet");
    return new Response(`${out.join("\n")}\n`, {
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
