import { ANONYMOUS, type Principal } from "@tlab/core/access";
import type { Services } from "./services/create-services";

export interface Context {
  services: Services;
  /** Who is calling; every procedure's access level is checked against it (see trpc.ts). */
  principal: Principal;
}

/**
 * The context of one call. HTTP requests resolve `principal` from the session cookie or bearer
 * token (auth/request-principal.ts); tests pass one directly. `isWorker` is shorthand for the
 * server's bootstrap worker token.
 */
export function createContextInner(opts: {
  services: Services;
  principal?: Principal;
  isWorker?: boolean;
}): Context {
  const principal =
    opts.principal ?? (opts.isWorker ? { kind: "worker", tokenId: null } : ANONYMOUS);
  return { services: opts.services, principal };
}
