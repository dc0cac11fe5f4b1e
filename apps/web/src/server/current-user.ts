import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { cache } from "react";
import { resolvePrincipal } from "@tlab/api/auth/request-principal";
import type { Principal, SessionUser } from "@tlab/core/access";
import { getAppContext } from "./app-context";

/** Set by proxy.ts on page requests: where to come back to after signing in. */
export const PATH_HEADER = "x-tlab-path";

/** The caller of the page being rendered, resolved once per request. */
export const currentPrincipal = cache(async (): Promise<Principal> => {
  // headers() first: it marks the page as rendered per request, so `next build` never opens the database here.
  const requestHeaders = await headers();
  const { requestAuth } = await getAppContext();
  return (await resolvePrincipal(requestAuth, requestHeaders)).principal;
});

/** The signed-in user, or a redirect to the sign-in page (which comes back here afterwards). */
export async function requireUser(): Promise<SessionUser> {
  const principal = await currentPrincipal();
  if (principal.kind === "user") return principal.user;
  const back = (await headers()).get(PATH_HEADER);
  redirect(
    back?.startsWith("/") && !back.startsWith("//")
      ? `/sign-in?next=${encodeURIComponent(back)}`
      : "/sign-in",
  );
}
