import { readFileSync } from "node:fs";
import type { PendingStartup } from "@tlab/api/services/health-service";
import { processBooted } from "./app-context";
import type { Env } from "./env";

/** The word `npm start` writes to TLAB_STARTUP_STATE_FILE once its start-up is done. */
export const STARTUP_READY = "ready";

/**
 * What start-up still waits for, or null when the platform is ready: first this server's own boot
 * (catalog, admin account), then, under `npm start`, its remaining steps (the local CLI's sign-in),
 * which it reports in TLAB_STARTUP_STATE_FILE: `ready`, or what it is doing.
 */
export function pendingStartup(env: Env | undefined): PendingStartup | null {
  if (!processBooted() || !env)
    return {
      waitingFor: "server",
      reason: "the server is registering the catalog and the admin account",
    };
  if (!env.TLAB_STARTUP_STATE_FILE) return null;
  let state: string;
  try {
    state = readFileSync(env.TLAB_STARTUP_STATE_FILE, "utf8").trim();
  } catch {
    state = "";
  }
  if (state === STARTUP_READY) return null;
  return { waitingFor: "platform", reason: state || "npm start has not finished its start-up" };
}
