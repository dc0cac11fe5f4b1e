/**
 * Rules for paths that come from outside (upload entry names, model.json weight paths, names
 * stored in the database) before anything joins them to a directory. Pure string checks, so the
 * browser-safe core can share them; the filesystem side (symbolic links) is in
 * @tlab/storage/confined-path.
 */

const PLAIN_FILE_NAME = /^[A-Za-z0-9._-]{1,200}$/;

/** What a plain file name may hold, for error messages. */
export const PLAIN_FILE_NAME_RULE =
  'letters, digits, ".", "_" and "-", at most 200, not "." or ".."';

/** One path component that stays in its directory: no separators, no "..", no control characters. */
export function isPlainFileName(name: string): boolean {
  return PLAIN_FILE_NAME.test(name) && name !== "." && name !== "..";
}

/**
 * The segments of a relative path. Backslashes count as separators too: zips made on Windows
 * sometimes use them, and "..\\x" must not slip past a check that only splits on "/".
 */
export function pathSegments(relative: string): string[] {
  return relative.split(/[\\/]/);
}

/**
 * Why a relative path ("a/b/c.png") could leave the directory it is joined to, or null when it
 * cannot. Refused: empty paths, NUL and other control characters, absolute paths ("/x", "\\x",
 * "\\\\server\\x") and drive letters ("C:x"), and ".." segments anywhere.
 */
export function relativePathProblem(relative: string): string | null {
  if (relative.length === 0) return "is empty";
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point: they are rejected.
  if (/[\u0000-\u001f\u007f]/.test(relative)) return "contains a control character";
  if (/^[A-Za-z]:/.test(relative)) return "starts with a drive letter";
  if (/^[\\/]/.test(relative)) return "is an absolute path";
  if (pathSegments(relative).some((segment) => segment === ".."))
    return 'contains a ".." segment, which would lead out of its folder';
  return null;
}
