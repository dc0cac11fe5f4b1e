import { getAppContext } from "@/server/app-context";
import { APP_VERSION } from "@/server/version";

/** Liveness for `npm start`, the trainer and load balancers: 200 only when the database answers. */
export async function GET(): Promise<Response> {
  try {
    const { db, provider } = await getAppContext();
    await db.$queryRawUnsafe("SELECT 1");
    return Response.json({ status: "ok", db: provider, version: APP_VERSION }, { headers: { "Cache-Control": "no-store" } });
  } catch (error) {
    return Response.json(
      { status: "error", version: APP_VERSION, error: error instanceof Error ? error.message : String(error) },
      { status: 503, headers: { "Cache-Control": "no-store" } },
    );
  }
}
