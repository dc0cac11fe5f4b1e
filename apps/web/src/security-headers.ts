/**
 * The browser-side protections of every response. Pages get a Content-Security-Policy with a fresh
 * nonce per request (proxy.ts): Next.js reads the nonce from the request's CSP header and puts it
 * on its own inline scripts, and 'strict-dynamic' lets those load the app's chunks. Every page is
 * rendered per request (the layout reads the session), so no cached page carries a stale nonce.
 */
export function pageContentSecurityPolicy(
  nonce: string,
  dev = process.env.NODE_ENV !== "production",
): string {
  return [
    "default-src 'self'",
    // Next's dev server (React Refresh) evaluates code; production never needs it.
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ""}`,
    // React's style attributes (chart sizes, progress bars) are inline styles; scripts stay strict.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/** API responses are data, never documents to run or frame. */
export const API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'; sandbox";

/** On every response (next.config.ts): no framing (also for browsers without CSP), no MIME sniffing, no referrer off the site (invitation links carry a secret). */
export const SECURITY_HEADERS = [
  { key: "X-Frame-Options", value: "DENY" },
  { key: "X-Content-Type-Options", value: "nosniff" },
  { key: "Referrer-Policy", value: "same-origin" },
];
