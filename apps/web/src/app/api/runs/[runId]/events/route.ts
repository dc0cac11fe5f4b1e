import type { RunSummaryDto } from "@tlab/core/dto";
import { RUN_LOG_MAX_PAGE } from "@tlab/core/run-log";
import { TERMINAL_STATUSES } from "@tlab/core/run";
import type { RunEvent } from "@tlab/core/table-queries";
import { getAppContext } from "@/server/app-context";
import { isSafeFileName } from "@/server/file-names";
import { errorResponse, jsonError } from "@/server/http-errors";
import { authorize } from "@/server/request-auth";

export const dynamic = "force-dynamic";

/** How often the stream looks for new points: new epochs reach the page within this plus the render. */
const POLL_MS = 500;
/** A comment line now and then keeps proxies from closing an idle stream. */
const KEEPALIVE_MS = 15_000;
/** Steps re-read behind the newest one: a worker may report an epoch's metrics in more than one batch. */
const OVERLAP_STEPS = 1;

type Params = { params: Promise<{ runId: string }> };

/**
 * Server-sent events for one run: `run` when its status, progress or attempt changes, `metrics`
 * with points the client has not seen (after the `after` step it passes, or the Last-Event-ID the
 * browser sends when it reconnects), `logs` with log lines after the `logAfter` cursor it passes
 * ("<attempt>.<seq>"), and `end` once the run is finished, after which the stream closes. The database is the only source: any web replica can serve any stream.
 */
export async function GET(req: Request, { params }: Params): Promise<Response> {
  const { runId } = await params;
  if (!isSafeFileName(runId)) return jsonError(400, `runId: "${runId}" is not a run id`);
  let services: Awaited<ReturnType<typeof getAppContext>>["services"];
  let first: RunSummaryDto | null;
  try {
    const access = await authorize(req, "viewer");
    if (!access.ok) return access.response;
    services = (await getAppContext()).services;
    first = await services.runsRepo.summaryById(runId);
  } catch (error) {
    return errorResponse(error, "opening the run's event stream");
  }
  if (!first) return jsonError(404, `runId: no run "${runId}"`);

  const url = new URL(req.url);
  const resumeFrom = Number(
    req.headers.get("last-event-id") ?? url.searchParams.get("after") ?? "0",
  );
  let logCursor = parseLogCursor(url.searchParams.get("logAfter"));
  const encoder = new TextEncoder();
  let closed = false;

  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      const send = (event: RunEvent, id?: number) => {
        if (closed) return;
        controller.enqueue(
          encoder.encode(
            `${id === undefined ? "" : `id: ${id}\n`}event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`,
          ),
        );
      };
      const close = () => {
        if (closed) return;
        closed = true;
        controller.close();
      };
      req.signal.addEventListener("abort", close);

      let newest = Number.isFinite(resumeFrom) && resumeFrom > 0 ? Math.floor(resumeFrom) : 0;
      // Values already sent for the overlap steps, so a re-read step is sent again only if it changed.
      let sent = new Map<string, number>();
      let lastRun = "";
      let lastWrite = Date.now();
      send({ type: "run", run: first! });
      lastRun = runKey(first!);

      try {
        while (!closed) {
          const run = await services.runsRepo.summaryById(runId);
          if (!run) break;
          const points = await services.runQueries.allPointsAfter(
            runId,
            Math.max(0, newest - OVERLAP_STEPS),
          );
          const fresh = points.filter((p) => sent.get(`${p.name}@${p.step}`) !== p.value);
          if (fresh.length > 0) {
            for (const p of points) newest = Math.max(newest, p.step);
            sent = new Map(
              points
                .filter((p) => p.step >= newest - OVERLAP_STEPS)
                .map((p) => [`${p.name}@${p.step}`, p.value]),
            );
            send({ type: "metrics", points: fresh }, newest);
            lastWrite = Date.now();
          }
          // Read after the run's status: a worker sends its last lines before its final report, so
          // a run seen finished here has its whole log in this read.
          for (let more = true; more && !closed; ) {
            const page = await services.runLogs.page({
              runId,
              after: logCursor,
              limit: RUN_LOG_MAX_PAGE,
            });
            if (page.lines.length > 0) {
              const last = page.lines.at(-1)!;
              logCursor = { attempt: last.attempt, seq: last.seq };
              send({ type: "logs", lines: page.lines });
              lastWrite = Date.now();
            }
            more = page.next !== null;
          }
          const key = runKey(run);
          if (key !== lastRun) {
            lastRun = key;
            send({ type: "run", run });
            lastWrite = Date.now();
          }
          if (TERMINAL_STATUSES.includes(run.status)) {
            send({ type: "end", status: run.status });
            break;
          }
          if (Date.now() - lastWrite > KEEPALIVE_MS && !closed) {
            controller.enqueue(encoder.encode(": keep-alive\n\n"));
            lastWrite = Date.now();
          }
          await new Promise((resolve) => setTimeout(resolve, POLL_MS));
        }
      } catch (error) {
        console.error(`[tlab] event stream of run ${runId} failed:`, error);
      } finally {
        req.signal.removeEventListener("abort", close);
        close();
      }
    },
    cancel() {
      closed = true;
    },
  });

  return new Response(stream, {
    headers: {
      "Content-Type": "text/event-stream; charset=utf-8",
      "Cache-Control": "no-cache, no-transform",
      Connection: "keep-alive",
      "X-Accel-Buffering": "no",
    },
  });
}

function runKey(run: RunSummaryDto): string {
  return [
    run.status,
    run.attempt,
    run.progress.toFixed(3),
    run.cancelRequested,
    run.workerId,
    run.failureReason,
    run.finishedAt,
  ].join("|");
}

/** "<attempt>.<seq>" of the last log line the client has; undefined (from the start) when absent or malformed. */
function parseLogCursor(value: string | null): { attempt: number; seq: number } | undefined {
  const match = /^(\d{1,9})\.(\d{1,9})$/.exec(value ?? "");
  return match ? { attempt: Number(match[1]), seq: Number(match[2]) } : undefined;
}
