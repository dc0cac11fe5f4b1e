import { realpath } from "node:fs/promises";
import path from "node:path";
import { DomainError } from "@tlab/core/errors";
import { relativePathProblem } from "@tlab/core/relative-path";

/**
 * Filesystem paths built from names that came from outside (a URL, an upload, a database row, a
 * model.json) stay under the directory they belong to. Two levels:
 * - `confinedPath`: by the text alone, for paths that may not exist yet (files about to be
 *   written): no absolute paths, drive letters, "..", or control characters.
 * - `realConfinedPath`: also by following symbolic links, for existing files about to be read or
 *   served: the real path of the file must lie inside the real path of the root, so a link
 *   planted in a data folder cannot lead a reader out of it. The root itself may be a link (a
 *   data directory on another disk): only what is below it is checked.
 *
 * Refusals are INVALID_INPUT DomainErrors whose message names the field and never the server's
 * own directories (the root may be secret).
 */

/** `relative` joined under `root`, refused when its text could leave the root. */
export function confinedPath(root: string, relative: string, field: string): string {
  const problem = relativePathProblem(relative);
  if (problem)
    throw new DomainError("INVALID_INPUT", `${field}: "${printable(relative)}" ${problem}`);
  const resolved = path.resolve(
    root,
    ...relative.split(/[\\/]/).filter((s) => s !== "" && s !== "."),
  );
  if (!isInside(path.resolve(root), resolved)) {
    throw new DomainError(
      "INVALID_INPUT",
      `${field}: "${printable(relative)}" leads out of its folder`,
    );
  }
  return resolved;
}

/**
 * `confinedPath`, then symbolic links followed: returns the file's real path, which lies inside
 * the root's real path. A missing file rejects with the filesystem's ENOENT error (callers
 * answer "not found" in their own words); a link out of the root is refused.
 */
export async function realConfinedPath(
  root: string,
  relative: string,
  field: string,
): Promise<string> {
  const lexical = confinedPath(root, relative, field);
  const [realRoot, real] = await Promise.all([realpath(root), realpath(lexical)]);
  if (!isInside(realRoot, real)) {
    throw new DomainError(
      "INVALID_INPUT",
      `${field}: "${printable(relative)}" is a symbolic link (or lies under one) that leads out of its folder; refused`,
    );
  }
  return real;
}

/** Whether `candidate` is `root` or below it (both absolute and normalized). */
export function isInside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  return (
    relative === "" ||
    (!relative.startsWith(`..${path.sep}`) && relative !== ".." && !path.isAbsolute(relative))
  );
}

/** Control characters shown escaped, long names cut, so a hostile name cannot garble a message. */
function printable(text: string): string {
  const shown = JSON.stringify(text).slice(1, -1);
  return shown.length > 120 ? `${shown.slice(0, 119)}…` : shown;
}
