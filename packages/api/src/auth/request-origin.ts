/**
 * The origins a browser shows for pages of this server, from the request's Host header (and a
 * proxy's X-Forwarded-Host). A cross-site page cannot make a browser send another site's Host,
 * nor add X-Forwarded-Host without a CORS preflight, so an Origin matching one of these came from
 * one of our own pages. (The request URL is no guide: Next.js rebuilds it as http://localhost:PORT.)
 */
export function ownOrigins(headers: Headers, publicUrl?: string): string[] {
  const hosts = [
    headers.get("x-forwarded-host")?.split(",")[0]?.trim(),
    headers.get("host")?.trim(),
  ].filter((h): h is string => !!h && /^[\w.:[\]-]+$/.test(h));
  const origins = hosts.flatMap((host) => [`http://${host}`, `https://${host}`]);
  if (publicUrl) origins.push(new URL(publicUrl).origin);
  return [...new Set(origins)];
}
