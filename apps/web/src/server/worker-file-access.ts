import { workerCredential, type Principal } from "@tlab/core/access";
import type { HeldRunFile } from "@tlab/api/services/run-service";
import { getAppContext } from "./app-context";
import { jsonError } from "./http-errors";

/**
 * The download rule for worker tokens: only what a run held by one of the token's own workers
 * needs (its artifacts, e.g. the checkpoint it resumes from; its base model; its dataset).
 * Users are not affected: null means go on.
 */
export async function refuseUnheldFile(
  principal: Principal,
  what: HeldRunFile,
  thing: string,
): Promise<Response | null> {
  if (principal.kind !== "worker") return null;
  const { services } = await getAppContext();
  if (await services.runs.mayWorkerRead(workerCredential(principal), what)) return null;
  return jsonError(
    403,
    `${thing}: a worker token may download only what the runs its workers hold need (claim a run that uses it first)`,
  );
}
