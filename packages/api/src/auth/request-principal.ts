import { Role, type Principal } from "@tlab/core/access";
import type { TokenService } from "../services/token-service";
import { bearerToken } from "./api-token-secret";
import type { Auth } from "./create-auth";

export interface RequestAuth {
  auth: Auth;
  tokens: TokenService;
  /** TLAB_WORKER_TOKEN: the server's own worker credential, for `npm start`'s local worker and existing deployments. */
  bootstrapWorkerToken: string | null;
}

export interface ResolvedPrincipal {
  principal: Principal;
  /** Set-Cookie headers better-auth produced (a refreshed session), to pass on to the browser. */
  responseHeaders: Headers | null;
}

/**
 * Who sent this request: a bearer token (worker or personal) wins over a session cookie, so the
 * CLI and workers never depend on cookies. A credential that was sent but does not count yields
 * an anonymous principal with the reason, which the 401 message repeats.
 */
export async function resolvePrincipal(
  deps: RequestAuth,
  headers: Headers,
): Promise<ResolvedPrincipal> {
  const authorization = headers.get("authorization");
  if (authorization) {
    const token = bearerToken(authorization);
    if (!token)
      return {
        principal: {
          kind: "anonymous",
          reason: "the Authorization header must be `Bearer <token>`",
        },
        responseHeaders: null,
      };
    return {
      principal: await deps.tokens.authenticate(token, deps.bootstrapWorkerToken),
      responseHeaders: null,
    };
  }
  if (!headers.get("cookie")) return { principal: { kind: "anonymous" }, responseHeaders: null };
  const result = await deps.auth.api.getSession({ headers, returnHeaders: true });
  const session = result.response;
  if (!session)
    return {
      principal: { kind: "anonymous", reason: "the session has expired" },
      responseHeaders: result.headers,
    };
  const { user } = session;
  if (user.deactivatedAt)
    return {
      principal: { kind: "anonymous", reason: "this account has been deactivated" },
      responseHeaders: result.headers,
    };
  const role = Role.safeParse(user.role);
  return {
    principal: {
      kind: "user",
      via: "session",
      user: {
        id: user.id,
        email: user.email,
        name: user.name,
        role: role.success ? role.data : "viewer",
      },
    },
    responseHeaders: result.headers,
  };
}
