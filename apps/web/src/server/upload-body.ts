import { jsonError } from "./http-errors";

/**
 * Size and type limits of upload bodies. A body over the limit is refused twice over: at once
 * when its Content-Length says so (nothing is kept), and while it streams, for bodies sent
 * without a length (chunked) or with one that turns out wrong, so no client gets more than the
 * limit into memory or onto disk.
 *
 * After a refusal the rest of the body is read and thrown away for a while (a "lingering close",
 * as nginx does): a client is still sending when the 413 goes out, and closing a connection with
 * unread data resets it, so the client would see a connection error instead of the reason.
 */

/** How long the rest of a refused body is read and discarded before the connection is dropped. */
const DISCARD_MS = 30_000;

export interface UploadLimit {
  maxBytes: number;
  /** What is uploaded, for the message ("dataset uploads"). */
  what: string;
  /** The environment variable that sets the limit, named in the refusal. */
  setting: string;
}

export class UploadTooLargeError extends Error {
  constructor(readonly limit: UploadLimit) {
    super(tooLargeMessage(limit));
    this.name = "UploadTooLargeError";
  }
}

function tooLargeMessage(limit: UploadLimit): string {
  const rounded = formatBytes(limit.maxBytes);
  const size = rounded.endsWith(" bytes") ? rounded : `${limit.maxBytes} bytes (${rounded})`;
  return `body: ${limit.what} may be at most ${size}; the server's ${limit.setting} setting sets this limit`;
}

export function tooLargeResponse(limit: UploadLimit): Response {
  return jsonError(413, tooLargeMessage(limit));
}

/** Whether an error is the refusal below (by name: route modules each have their own copy of the class). */
export function isUploadTooLarge(error: unknown): error is UploadTooLargeError {
  return error instanceof Error && error.name === "UploadTooLargeError";
}

/** The 413 to answer before keeping anything, when the declared Content-Length is already too big. */
export function declaredTooLarge(req: Request, limit: UploadLimit): Response | null {
  const declared = declaredLength(req);
  if (declared === null || declared <= limit.maxBytes) return null;
  if (req.body) discardRest(req.body.getReader());
  return tooLargeResponse(limit);
}

/** The media type of the request without parameters, lower case ("" when absent). */
export function mediaTypeOf(req: Request): string {
  return (req.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
}

/** A 415 naming what this route accepts, or null when the request's media type is one of them. */
export function unsupportedMediaType(
  req: Request,
  accepted: ReadonlySet<string>,
  hint: string,
): Response | null {
  const type = mediaTypeOf(req);
  if (accepted.has(type)) return null;
  return jsonError(415, `content-type: ${hint}; got "${type || "none"}"`);
}

/** The whole body in memory, refused with UploadTooLargeError as soon as it passes the limit. */
export async function readBodyWithLimit(req: Request, limit: UploadLimit): Promise<Uint8Array> {
  if (!req.body) return new Uint8Array(0);
  const reader = req.body.getReader();
  const declared = declaredLength(req);
  if (declared !== null && declared > limit.maxBytes) {
    discardRest(reader);
    throw new UploadTooLargeError(limit);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit.maxBytes) {
      discardRest(reader);
      throw new UploadTooLargeError(limit);
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0]!;
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

/** The body as a stream that errors with UploadTooLargeError once more than the limit has passed. */
export function limitBodyStream(
  body: ReadableStream<Uint8Array>,
  limit: UploadLimit,
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let total = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) return controller.close();
      total += value.byteLength;
      if (total <= limit.maxBytes) return controller.enqueue(value);
      controller.error(new UploadTooLargeError(limit));
      discardRest(reader);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}

/** Reads what is left of a refused body and drops it, for at most DISCARD_MS; runs in the background. */
function discardRest(reader: ReadableStreamDefaultReader<Uint8Array>): void {
  // Also ends a client that stalls without sending anything more.
  const timer = setTimeout(() => void reader.cancel().catch(() => undefined), DISCARD_MS);
  timer.unref();
  void (async () => {
    for (;;) {
      const { done } = await reader.read();
      if (done) break;
    }
  })()
    .catch(() => undefined)
    .finally(() => clearTimeout(timer));
}

function declaredLength(req: Request): number | null {
  const header = req.headers.get("content-length");
  if (header === null || !/^\s*\d+\s*$/.test(header)) return null;
  return Number(header);
}

export function formatBytes(bytes: number): string {
  const units = ["bytes", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1 && value % 1024 === 0) {
    value /= 1024;
    unit += 1;
  }
  return `${value} ${units[unit]}`;
}
