import type { ExportFile, ExportFormat } from "@tlab/api/services/export-service";
import { jsonError } from "./http-errors";

/** The `format` query parameter of the export routes, or the response refusing it. */
export function exportFormat(req: Request): ExportFormat | Response {
  const format = new URL(req.url).searchParams.get("format") ?? "csv";
  if (format === "csv" || format === "json") return format;
  return jsonError(400, `format: "${format}" is not one of csv, json`);
}

export function exportResponse(file: ExportFile): Response {
  return new Response(file.body, {
    headers: {
      "Content-Type": file.contentType,
      "Content-Disposition": `attachment; filename="${file.fileName}"`,
      "Cache-Control": "no-store",
      "X-Content-Type-Options": "nosniff",
    },
  });
}
