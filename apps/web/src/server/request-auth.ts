import { ownOrigins } from "@tlab/api/auth/request-origin";
import { resolvePrincipal, type ResolvedPrincipal } from "@tlab/api/auth/request-principal";
import { decideAccess, type AccessLevel, type Principal } from "@tlab/core/access";
import { getAppContext } from "./app-context";
import type { Env } from "./env";
import { jsonError } from "./http-errors";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** Who sent this request (session cookie or bearer token); see @tlab/api/auth/request-principal. */
export async function principalOf(req: Request): Promise<ResolvedPrincipal> {
  const { requestAuth } = await getAppContext();
  return resolvePrincipal(requestAuth, req.headers);
}

/**
 * Cross-site request forgery guard for state-changing requests. The session cookie is
 * SameSite=Lax, so browsers already leave it off cross-site POSTs; on top of that a state-changing
 * request without a bearer token must come from a page of this server: its Origin must be this
 * server's own (the Host it was sent to, or TLAB_PUBLIC_URL). Bearer tokens are never
 * attached by a browser on its own, so requests carrying one need no such check, and requests
 * with no cookie carry no session to abuse.
 */
export function crossSiteRefusal(req: Request, env: Pick<Env, "TLAB_PUBLIC_URL">): Response | null {
  if (SAFE_METHODS.has(req.method.toUpperCase())) return null;
  if (req.headers.get("authorization")) return null;
  // Without a cookie the request is anonymous whatever its origin: nothing to forge.
  if (!req.headers.get("cookie")) return null;
  const allowed = new Set(ownOrigins(req.headers, env.TLAB_PUBLIC_URL));
  const origin = req.headers.get("origin");
  if (origin && allowed.has(origin)) return null;
  if (!origin && req.headers.get("sec-fetch-site") === "same-origin") return null;
  return jsonError(
    403,
    origin
      ? `cross-site request refused: Origin ${origin} is not this server; set TLAB_PUBLIC_URL if the dashboard is served behind a proxy that rewrites the Host header`
      : "cross-site request refused: a state-changing request needs an Origin header from this server's pages, or an Authorization: Bearer token",
  );
}

export type Authorized = { ok: true; principal: Principal } | { ok: false; response: Response };

/**
 * The access check of plain route handlers, the same rule as the tRPC procedures': resolves the
 * caller, refuses cross-site state changes, and answers 401 / 403 with the reason. Several levels
 * mean any one of them suffices (model files are read by workers and by signed-in users alike).
 */
export async function authorize(
  req: Request,
  level: AccessLevel | AccessLevel[],
): Promise<Authorized> {
  const { env } = await getAppContext();
  const crossSite = crossSiteRefusal(req, env);
  if (crossSite) return { ok: false, response: crossSite };
  const { principal } = await principalOf(req);
  const decisions = (Array.isArray(level) ? level : [level]).map((l) => decideAccess(principal, l));
  const refusal = decisions.find((d) => !d.ok);
  if (!refusal || refusal.ok || decisions.some((d) => d.ok)) return { ok: true, principal };
  const headers: HeadersInit | undefined =
    refusal.status === 401 ? { "WWW-Authenticate": 'Bearer realm="tlab"' } : undefined;
  return { ok: false, response: jsonError(refusal.status, refusal.message, headers) };
}
