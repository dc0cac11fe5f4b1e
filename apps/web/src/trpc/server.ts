import { TRPCError } from "@trpc/server";
import { notFound } from "next/navigation";
import { createContextInner } from "@tlab/api/context";
import { createCaller } from "@tlab/api/root";
import { getAppContext } from "@/server/app-context";

/** The API called in-process by server components: same validation and errors as over HTTP. */
export async function serverApi() {
  const { services } = await getAppContext();
  return createCaller(createContextInner({ services }));
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
