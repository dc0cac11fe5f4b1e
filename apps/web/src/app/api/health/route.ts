import { getAppContext, processBooted } from "@/server/app-context";
import { pendingStartup } from "@/server/startup-state";
import { APP_VERSION } from "@/server/version";

const NO_STORE = { "Cache-Control": "no-store" };

/**
 * Readiness for `npm start`, the trainer, scripts and load balancers: 200 `ok` only when start-up is
 * done and a short write transaction commits in time; otherwise 503 with `starting` (and what it
 * waits for) or `degraded` (and the database's reason).
 */
export async function GET(): Promise<Response> {
  // The server's boot runs at start (instrumentation.ts); until it is done, answer at once.
  if (!processBooted()) {
    return Response.json(
      { status: "starting", version: APP_VERSION, ...pendingStartup(undefined) },
      { status: 503, headers: NO_STORE },
    );
  }
  try {
    const { env, services } = await getAppContext();
    const report = await services.health.check(pendingStartup(env));
    return Response.json(
      { ...report, version: APP_VERSION },
      { status: report.status === "ok" ? 200 : 503, headers: NO_STORE },
    );
  } catch (error) {
    return Response.json(
      {
        status: "degraded",
        version: APP_VERSION,
        reason: error instanceof Error ? error.message : String(error),
      },
      { status: 503, headers: NO_STORE },
    );
  }
}
