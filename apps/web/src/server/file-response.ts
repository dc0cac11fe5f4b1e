import { open, stat } from "node:fs/promises";
import { contentTypeFor } from "./file-names";

const CHUNK_BYTES = 256 * 1024;

/** A streamed file download: the file is read chunk by chunk as the client consumes it. */
export async function fileResponse(
  filePath: string,
  fileName: string,
  opts: { attachment: boolean },
): Promise<Response> {
  const info = await stat(filePath);
  const handle = await open(filePath, "r");
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await handle.close();
  };
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const buffer = new Uint8Array(CHUNK_BYTES);
        const { bytesRead } = await handle.read(buffer, 0, CHUNK_BYTES, null);
        if (bytesRead === 0) {
          await close();
          controller.close();
        } else {
          controller.enqueue(buffer.subarray(0, bytesRead));
        }
      } catch (error) {
        await close();
        controller.error(error);
      }
    },
    async cancel() {
      await close();
    },
  });
  return streamResponse(body, info.size, fileName, opts);
}

/** A download of a stream of known size (from the blob store, or a file above). */
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
