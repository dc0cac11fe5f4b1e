import { RunNoLongerHeldError } from "./api-client";
import { ServerStorageError, type RunCallRetry } from "./run-call-retry";

export interface ArtifactUploadTarget {
  apiUrl: string;
  workerId: string;
  token: string | undefined;
}

/** PUTs one file of a run's artifacts, through `retrying`. */
export async function uploadArtifact(
  runId: string,
  name: string,
  body: Uint8Array,
  target: ArtifactUploadTarget,
  retrying: RunCallRetry,
): Promise<void> {
  await retrying(`upload ${name}`, async () => {
    const response = await fetch(
      new URL(`/api/artifacts/runs/${encodeURIComponent(runId)}/${name}`, target.apiUrl),
      {
        method: "PUT",
        headers: {
          "content-type": "application/octet-stream",
          "x-tlab-worker-id": target.workerId,
          ...(target.token ? { authorization: `Bearer ${target.token}` } : {}),
        },
        body: new Uint8Array(body),
      },
    );
    if (!response.ok) {
      const message = `upload ${name}: HTTP ${response.status}: ${await errorText(response)}`;
      // 5xx is worth retrying; a 4xx will not get better, and a 409 means the run was taken back.
      if (response.status === 409) throw new RunNoLongerHeldError(message);
      // 507 (full) or 503 (read-only) with the cause: retried for a while, then the run's reason.
      if (
        response.status === 507 ||
        (response.status === 503 && /the server's storage is/.test(message))
      )
        throw new ServerStorageError(message);
      throw response.status >= 500 ? new TypeError(message) : new Error(message);
    }
  });
}

/** The route's `{ "error": … }` message, or the body's first 300 characters. */
async function errorText(response: Response): Promise<string> {
  const text = await response.text().catch(() => "");
  try {
    const parsed = JSON.parse(text) as { error?: unknown };
    if (typeof parsed.error === "string") return parsed.error;
  } catch {
    // not JSON
  }
  return text.slice(0, 300) || response.statusText;
}
