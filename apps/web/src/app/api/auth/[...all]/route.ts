import { getAppContext } from "@/server/app-context";

export const dynamic = "force-dynamic";

/** better-auth's endpoints: sign-in, sign-up, sign-out, session (with its own Origin check and rate limit). */
async function handler(req: Request): Promise<Response> {
  const { auth } = await getAppContext();
  return auth.handler(req);
}

export { handler as GET, handler as POST };
