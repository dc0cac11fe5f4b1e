import type { RunStreamItem } from "@tlab/api/services/run-stream-service";
import { getAppContext } from "@/server/app-context";
import { isSafeFileName } from "@/server/file-names";
import { errorResponse, jsonError } from "@/server/http-errors";
import { authorize } from "@/server/request-auth";

export const dynamic = "force-dynamic";

/** A comment line now and then keeps proxies from closing an idle stream. */
const KEEPALIVE_MS = 15_000;

type Params = { params: Promise<{ runId: string }> };

/**
 * Server-sent events for one run (RunStreamService.events): the client passes the `after` step it
 * has (or the browser sends Last-Event-ID when it reconnects) and the `logAfter` cursor
 * ("<attempt>.<seq>"); the stream closes after `end`.
 */
export async function GET(req: Request, { params }: Params): Promise<Response> {
  const { runId } = await params;
  if (!isSafeFileName(runId)) return jsonError(400, `runId: "${runId}" is not a run id`);
  const url = new URL(req.url);
  const stop = new AbortController();
  let events: AsyncGenerator<RunStreamItem, void, undefined>;
  let first: IteratorResult<RunStreamItem, void>;
  try {
    const access = await authorize(req, "viewer");
    if (!access.ok) return access.response;
    const { services } = await getAppContext();
    events = services.runStream.events(
      runId,
      {
        afterStep: Number(req.headers.get("last-event-id") ?? url.searchParams.get("after") ?? "0"),
        logAfter: parseLogCursor(url.searchParams.get("logAfter")),
      },
      stop.signal,
    );
    // The first event is read here, so an unknown run is a 404 rather than an empty stream.
    first = await events.next();
  } catch (error) {
    return errorResponse(error, "opening the run's event stream");
  }

  const encoder = new TextEncoder();
  let closed = false;
  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      let lastWrite = Date.now();
      const write = (text: string) => {
        if (closed) return;
        controller.enqueue(encoder.encode(text));
        lastWrite = Date.now();
      };
      const close = () => {
        if (closed) return;
        closed = true;
        stop.abort();
        controller.close();
      };
      req.signal.addEventListener("abort", close);
      const keepalive = setInterval(() => {
        if (Date.now() - lastWrite > KEEPALIVE_MS) write(": keep-alive\n\n");
      }, KEEPALIVE_MS / 3);
      try {
        for (let item = first; !item.done && !closed; item = await events.next()) {
          const { event, id } = item.value;
          write(
            `${id === undefined ? "" : `id: ${id}\n`}event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`,
          );
        }
      } catch (error) {
        console.error(`[tlab] event stream of run ${runId} failed:`, error);
      } finally {
        clearInterval(keepalive);
        req.signal.removeEventListener("abort", close);
        close();
        await events.return();
      }
    },
    cancel() {
      closed = true;
      stop.abort();
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

/** "<attempt>.<seq>" of the last log line the client has; undefined (from the start) when absent or malformed. */
function parseLogCursor(value: string | null): { attempt: number; seq: number } | undefined {
  const match = /^(\d{1,9})\.(\d{1,9})$/.exec(value ?? "");
  return match ? { attempt: Number(match[1]), seq: Number(match[2]) } : undefined;
}
