import { timingSafeEqual } from "node:crypto";
import type { Services } from "./services/create-services";

export interface Context {
  services: Services;
  auth: { isWorker: boolean };
}

export function createContextInner(opts: { services: Services; isWorker?: boolean }): Context {
  return { services: opts.services, auth: { isWorker: opts.isWorker ?? false } };
}

/** Checks an `Authorization: Bearer ...` header against the server's worker token in constant time. */
export function isWorkerToken(authorization: string | null, workerToken: string): boolean {
  const match = /^Bearer (.+)$/.exec(authorization ?? "");
  if (!match) return false;
  const given = Buffer.from(match[1]!);
  const expected = Buffer.from(workerToken);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
