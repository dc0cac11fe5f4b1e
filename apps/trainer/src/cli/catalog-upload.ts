import path from "node:path";
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

/** PUTs a body to the API and returns its JSON answer; a refusal becomes an error carrying the server's message. */
export async function putToApi(apiUrl: string, pathname: string, body: Uint8Array, contentType: string, token: string | undefined): Promise<Record<string, unknown>> {
  const url = new URL(pathname, apiUrl);
  const response = await fetchNamingApi(apiUrl, url, {
    method: "PUT",
    headers: { "content-type": contentType, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body as Uint8Array<ArrayBuffer>,
  });
  const text = await response.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON: reported below with the status
  }
  if (!response.ok) throw new Error(`the API refused the upload (HTTP ${response.status}): ${typeof json.error === "string" ? json.error : text.slice(0, 500)}`);
  return json;
}
