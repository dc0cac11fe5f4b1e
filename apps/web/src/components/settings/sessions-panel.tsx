"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { formatDateTime } from "@/lib/format";
import { authClient, authErrorMessage } from "@/lib/auth-client";
import { FormError } from "@/components/form-messages";

const SESSIONS_KEY = ["auth", "sessions"] as const;

/** Throws better-auth's error as an Error, so react-query reports it. */
async function unwrap<T>(
  call: Promise<{
    data: T | null;
    error: { message?: string; status?: number; statusText?: string } | null;
  }>,
): Promise<T> {
  const { data, error } = await call;
  if (error || data === null) throw new Error(authErrorMessage(error));
  return data;
}

/** The browsers signed in to this account (better-auth sessions), this one marked; others can be signed out. */
export function SessionsPanel({ currentSessionId }: { currentSessionId: string | null }) {
  const queryClient = useQueryClient();
  const sessions = useQuery({
    queryKey: SESSIONS_KEY,
    queryFn: () => unwrap(authClient.listSessions()),
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: SESSIONS_KEY });
  const revoke = useMutation({
    mutationFn: (token: string) => unwrap(authClient.revokeSession({ token })),
    onSettled: refresh,
  });
  const revokeOthers = useMutation({
    mutationFn: () => unwrap(authClient.revokeOtherSessions()),
    onSettled: refresh,
  });
  const list = [...(sessions.data ?? [])].sort(
    (a, b) => new Date(b.updatedAt).getTime() - new Date(a.updatedAt).getTime(),
  );
  const others = list.filter((s) => s.id !== currentSessionId).length;
  const error = sessions.error ?? revoke.error ?? revokeOthers.error;

  return (
    <section className="form-section" aria-labelledby="sessions-heading">
      <h2 id="sessions-heading">Signed-in browsers</h2>
      <p className="muted">
        Sessions last 7 days from the last visit. Signing a browser out here takes effect at its
        next request.
      </p>
      <table className="data-table" aria-label="Sessions">
        <thead>
          <tr>
            <th>Browser</th>
            <th>Address</th>
            <th>Signed in</th>
            <th>Last active</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {sessions.isPending ? (
            <tr>
              <td colSpan={5} className="table-empty">
                Loading…
              </td>
            </tr>
          ) : (
            list.map((session) => (
              <tr key={session.id}>
                <td className="truncate" title={session.userAgent ?? undefined}>
                  {describeAgent(session.userAgent)}
                  {session.id === currentSessionId ? (
                    <span className="session-current">this browser</span>
                  ) : null}
                </td>
                <td>{session.ipAddress || "—"}</td>
                <td className="nowrap">
                  {formatDateTime(new Date(session.createdAt).toISOString())}
                </td>
                <td className="nowrap">
                  {formatDateTime(new Date(session.updatedAt).toISOString())}
                </td>
                <td>
                  {session.id === currentSessionId ? null : (
                    <button
                      type="button"
                      className="button button-small button-danger"
                      disabled={revoke.isPending}
                      onClick={() => revoke.mutate(session.token)}
                    >
                      Sign out
                    </button>
                  )}
                </td>
              </tr>
            ))
          )}
        </tbody>
      </table>
      <div className="form-actions">
        <button
          type="button"
          className="button"
          disabled={others === 0 || revokeOthers.isPending}
          onClick={() => revokeOthers.mutate()}
        >
          Sign out all other browsers
        </button>
      </div>
      <FormError message={error?.message} />
    </section>
  );
}

/** "Chrome on Linux"-style summary of a User-Agent header; the full header is in the cell's title. */
function describeAgent(agent: string | null | undefined): string {
  if (!agent) return "unknown browser";
  const browser = /Edg\//.test(agent)
    ? "Edge"
    : /Firefox\//.test(agent)
      ? "Firefox"
      : /Chrom(e|ium)\//.test(agent)
        ? "Chromium"
        : /Safari\//.test(agent)
          ? "Safari"
          : /node|undici|curl/i.test(agent)
            ? "script"
            : "browser";
  const os = /Windows/.test(agent)
    ? "Windows"
    : /Mac OS X/.test(agent)
      ? "macOS"
      : /Android/.test(agent)
        ? "Android"
        : /iPhone|iPad/.test(agent)
          ? "iOS"
          : /Linux/.test(agent)
            ? "Linux"
            : null;
  return os ? `${browser} on ${os}` : browser;
}
