import { NextResponse, type NextRequest } from "next/server";
import { pageContentSecurityPolicy } from "./security-headers";

/** Pages anyone may open: signing in and creating an account. */
const PUBLIC_PAGES = [/^\/sign-in\/?$/, /^\/sign-up\/?$/, /^\/invite\/[^/]+\/?$/];
/** better-auth's session cookie (the __Secure- variant when served over https). */
const SESSION_COOKIES = ["tlab.session_token", "__Secure-tlab.session_token"];
/** Kept in sync with server/current-user.ts: where to come back to after signing in. */
const PATH_HEADER = "x-tlab-path";

/**
 * A first, cheap gate for pages: without a session cookie a page request goes to the sign-in
 * page at once. It only looks at the cookie's presence; the real check (a valid session of an
 * active user with the needed role) happens where the page reads data (serverApi, API routes).
 */
export function proxy(request: NextRequest): NextResponse {
  const { pathname, search } = request.nextUrl;
  const headers = new Headers(request.headers);
  headers.set(PATH_HEADER, `${pathname}${search}`);
  const csp = pageContentSecurityPolicy(btoa(crypto.randomUUID()));
  if (
    !PUBLIC_PAGES.some((page) => page.test(pathname)) &&
    !SESSION_COOKIES.some((name) => request.cookies.has(name))
  ) {
    const signIn = new URL("/sign-in", request.url);
    if (pathname !== "/") signIn.searchParams.set("next", `${pathname}${search}`);
    const redirect = NextResponse.redirect(signIn);
    redirect.headers.set("Content-Security-Policy", csp);
    return redirect;
  }
  // On the request, Next.js takes the nonce for its inline scripts; on the response, the browser enforces it.
  headers.set("Content-Security-Policy", csp);
  const response = NextResponse.next({ request: { headers } });
  response.headers.set("Content-Security-Policy", csp);
  return response;
}

export const config = {
  // Pages only: API routes check credentials themselves and answer 401 rather than redirecting.
  matcher: ["/((?!api/|_next/|icon\\.svg|favicon\\.ico).*)"],
};
