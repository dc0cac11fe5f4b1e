import path from "node:path";
import AdmZip from "adm-zip";
import type { TrainerEnv } from "../env";
import { fetchNamingApi } from "../worker/api-client";
import { resolveUserToken } from "./credentials";

/**
 * The token catalog commands send: the user's personal token (TLAB_TOKEN or `tlab login`).
 * Worker tokens may not list or add to the catalog (they are scoped to the worker procedures).
 */
export function userToken(env: TrainerEnv, apiUrl: string): string | undefined {
  return resolveUserToken(env.TLAB_TOKEN, apiUrl, undefined, path.resolve(env.DATA_DIR));
}

/** The API answered an upload with an error status; the message carries the server's reason. */
export class ApiRefusedError extends Error {
  constructor(
    readonly status: number,
    reason: string,
  ) {
    super(`the API refused the upload (HTTP ${status}): ${reason}`);
    this.name = "ApiRefusedError";
  }
}

/** PUTs a body to the API and returns its JSON answer; a refusal becomes an error carrying the server's message. */
export async function putToApi(
  apiUrl: string,
  pathname: string,
  body: Uint8Array,
  contentType: string,
  token: string | undefined,
): Promise<Record<string, unknown>> {
  const url = new URL(pathname, apiUrl);
  const response = await fetchNamingApi(apiUrl, url, {
    method: "PUT",
    headers: {
      "content-type": contentType,
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body as Uint8Array<ArrayBuffer>,
  });
  const text = await response.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON: reported below with the status
  }
  if (!response.ok)
    throw new ApiRefusedError(
      response.status,
      typeof json.error === "string" ? json.error : text.slice(0, 500),
    );
  return json;
}

/**
 * Uploads a base model (model.json and its weight files, by name) as a zip to the catalog, as the
 * dashboard's Models page does; the server validates and registers it. `created` is false when
 * the name already holds this very content.
 */
export async function uploadBaseModel(
  apiUrl: string,
  name: string,
  files: ReadonlyMap<string, Uint8Array>,
  opts: { description?: string; inputRange?: [number, number] },
  token: string | undefined,
): Promise<{ created: boolean }> {
  const zip = new AdmZip();
  for (const [file, bytes] of files)
    zip.addFile(file, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  const query = new URLSearchParams();
  if (opts.description) query.set("description", opts.description);
  if (opts.inputRange) query.set("inputRange", opts.inputRange.join(","));
  const answer = await putToApi(
    apiUrl,
    `/api/base-models/${encodeURIComponent(name)}${query.size ? `?${query}` : ""}`,
    zip.toBuffer(),
    "application/zip",
    token,
  );
  return { created: answer.created === true };
}
