/** Any origin we own would do: the path is resolved against it only to see where it leads. */
const OWN_ORIGIN = "http://tlab.invalid";

/**
 * Where to go after signing in: a path on this site, or "/". `next` comes from the URL, so it is
 * an attacker's to choose. Browsers drop tabs and newlines from URLs and read "\" as "/", so
 * "/\t/evil.test" or "/\\evil.test" would become "//evil.test", another site; such characters are
 * refused outright, then the path is resolved against an origin and must stay on it. The result
 * is the normalized path (+ query and fragment), which is also safe in a Location header.
 */
export function safeNextPath(next: string | null | undefined): string {
  if (!next?.startsWith("/")) return "/";
  // Control characters (tab, newline, ...), DEL and backslashes have no place in our own paths.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point: they are rejected.
  if (/[\u0000-\u001f\u007f\\]/.test(next)) return "/";
  let url: URL;
  try {
    url = new URL(next, OWN_ORIGIN);
  } catch {
    return "/";
  }
  if (url.origin !== OWN_ORIGIN) return "/";
  return `${url.pathname}${url.search}${url.hash}`;
}
