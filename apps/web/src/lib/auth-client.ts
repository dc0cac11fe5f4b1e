import { createAuthClient } from "better-auth/react";

/** better-auth's browser client: sign-in, sign-up and sign-out against /api/auth on this origin. */
export const authClient = createAuthClient({ basePath: "/api/auth" });

/** A message for a person from a better-auth error response. */
export function authErrorMessage(
  error: { message?: string; status?: number; statusText?: string } | null | undefined,
): string {
  if (!error) return "Something went wrong; try again.";
  // Our own 429s say which limit it was and what to do (wait, or use a browser you signed in from).
  if (error.status === 429)
    return error.message || "Too many attempts; wait a minute and try again.";
  return error.message || error.statusText || "Something went wrong; try again.";
}
