import type { z } from "zod";
import { PATH_PARAMS } from "@tlab/api/http/api-v1-routes";
import { jsonError } from "./http-errors";

/** A request body larger than this is refused before parsing (a full metrics batch is far smaller). */
const MAX_BODY_BYTES = 8 * 1024 * 1024;

/** `points.0.step: must be …`: each issue with its whole path, whatever the schema's message says. */
function issueText(issue: z.core.$ZodIssue): { path: string; message: string } {
  const path = issue.path.map(String).join(".");
  const last = issue.path.length > 0 ? String(issue.path[issue.path.length - 1]) : "";
  let message = issue.message;
  for (const prefix of [`${path}: `, `${last}: `])
    if (prefix !== ": " && message.startsWith(prefix)) message = message.slice(prefix.length);
  return { path, message };
}

/** 400 naming every invalid field; `error` leads with the first so a one-line log says enough. */
export function invalidInput(error: z.ZodError): Response {
  const issues = error.issues.map(issueText);
  const error0 = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join("; ");
  return Response.json({ error: error0, issues }, { status: 400 });
}

/** The JSON body parsed by `schema`, or the 400 response to send. */
export async function readBody<S extends z.ZodType>(
  req: Request,
  schema: S,
): Promise<z.infer<S> | Response> {
  const type = req.headers.get("content-type") ?? "";
  if (!type.toLowerCase().includes("application/json"))
    return jsonError(415, "body: send JSON with Content-Type: application/json");
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > MAX_BODY_BYTES)
    return jsonError(413, `body: at most ${MAX_BODY_BYTES} bytes; send metrics in smaller batches`);
  const text = await req.text();
  if (text.length > MAX_BODY_BYTES)
    return jsonError(413, `body: at most ${MAX_BODY_BYTES} bytes; send metrics in smaller batches`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return jsonError(400, "body: not valid JSON");
  }
  const parsed = schema.safeParse(json);
  return parsed.success ? parsed.data : invalidInput(parsed.error);
}

/** The query string parsed by `schema`, or the 400 response to send. */
export function readQuery<S extends z.ZodType>(req: Request, schema: S): z.infer<S> | Response {
  const params = Object.fromEntries(new URL(req.url).searchParams);
  const parsed = schema.safeParse(params);
  return parsed.success ? parsed.data : invalidInput(parsed.error);
}

/** A path parameter checked as the document declares it, or the 400 response to send. */
export function readPathParam(name: keyof typeof PATH_PARAMS, value: string): string | Response {
  const parsed = PATH_PARAMS[name].safeParse(value);
  return parsed.success ? parsed.data : jsonError(400, `${name}: 1 to 64 characters`);
}
