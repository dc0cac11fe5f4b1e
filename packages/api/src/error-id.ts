import { randomBytes } from "node:crypto";

const ids = new WeakMap<object, string>();

/**
 * A short id for an unexpected server error, the same each time it is asked for one error: the
 * caller's answer names it, and the server log line with the detail carries it, so an operator
 * finds the cause from what a user reports without the answer leaking query text or paths.
 */
export function errorIdOf(error: object): string {
  let id = ids.get(error);
  if (!id) {
    id = randomBytes(6).toString("hex");
    ids.set(error, id);
  }
  return id;
}

export function internalErrorMessage(id: string): string {
  return `unexpected error on the server (error id ${id}); the detail is in the server log`;
}
