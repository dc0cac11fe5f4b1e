import { contentTypeFor } from "./file-names";

/** A download of a stream of known size (from a blob store): the route only sets the headers. */
export function streamResponse(
  body: ReadableStream<Uint8Array>,
  sizeBytes: number,
  fileName: string,
  opts: { attachment: boolean },
): Response {
  const headers = new Headers({
    "Content-Type": contentTypeFor(fileName),
    "Content-Length": String(sizeBytes),
    "Cache-Control": "no-cache",
    "X-Content-Type-Options": "nosniff",
  });
  if (opts.attachment) headers.set("Content-Disposition", `attachment; filename="${fileName}"`);
  return new Response(body, { status: 200, headers });
}
