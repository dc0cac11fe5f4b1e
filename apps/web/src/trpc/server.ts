import { TRPCError } from "@trpc/server";
import { notFound } from "next/navigation";
import { createContextInner } from "@tlab/api/context";
import { createCaller } from "@tlab/api/root";
import { getAppContext } from "@/server/app-context";
import { requireUser } from "@/server/current-user";

/**
 * The API called in-process by server components, as the signed-in user: same validation, errors
 * and access levels as over HTTP. Without a session it redirects to the sign-in page.
 */
export async function serverApi() {
  const { services } = await getAppContext();
  const user = await requireUser();
  return createCaller(
    createContextInner({ services, principal: { kind: "user", user, via: "session" } }),
  );
}

/** Renders the 404 page when the API says the thing does not exist. */
export async function orNotFound<T>(promise: Promise<T>): Promise<T> {
  try {
    return await promise;
  } catch (error) {
    if (error instanceof TRPCError && error.code === "NOT_FOUND") notFound();
    throw error;
  }
}
