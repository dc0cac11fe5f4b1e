/** Letters, digits, dot, underscore and dash: no path separators, no spaces, no control characters. */
const SAFE_NAME = /^[A-Za-z0-9._-]{1,200}$/;

/**
 * Whether `name` can be used as one path component under a directory we serve from. Rejects
 * separators, "..", and names made only of dots, so a name can never leave its directory.
 */
export function isSafeFileName(name: string): boolean {
  return SAFE_NAME.test(name) && !name.includes("..") && !/^\.+$/.test(name);
}

const CONTENT_TYPES: Record<string, string> = {
  ".json": "application/json",
  ".bin": "application/octet-stream",
  ".txt": "text/plain; charset=utf-8",
  ".csv": "text/csv; charset=utf-8",
  ".png": "image/png",
};

export function contentTypeFor(fileName: string): string {
  const dot = fileName.lastIndexOf(".");
  return (
    (dot >= 0 && CONTENT_TYPES[fileName.slice(dot).toLowerCase()]) || "application/octet-stream"
  );
}
