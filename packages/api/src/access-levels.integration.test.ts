import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TRPCError } from "@trpc/server";
import type { AccessLevel, Principal } from "@tlab/core/access";
import { appRouter } from "./root";
import { createApiHarness } from "./testing/api-harness";
import type { ProcedureMeta } from "./trpc";

/**
 * The only procedures anyone may call without credentials: health-like and sign-in related.
 * Adding a procedure with publicProcedure fails this test until it is named here, on purpose.
 */
const PUBLIC_PROCEDURES = ["account.setupState", "account.invitePreview"];

type Harness = Awaited<ReturnType<typeof createApiHarness>>;
let h: Harness;

/** Every caller kind, named, with the access levels it must be let through. */
let callers: { name: string; principal: Principal; allowed: AccessLevel[] }[];

beforeAll(async () => {
  h = await createApiHarness();
  const token = async (
    kind: "personal" | "worker",
    owner: (typeof h.users)[keyof typeof h.users],
  ) => (await h.services.tokens.create(kind, owner, { name: `${kind} of ${owner.role}` })).token;
  const principalOf = (secret: string) =>
    h.services.tokens.authenticate(secret, "bootstrap-worker-token-0123456789");
  const revoked = await h.services.tokens.create("personal", h.users.admin, { name: "revoked" });
  await h.services.tokens.revoke(revoked.info.id, h.users.admin, "personal");
  const revokedWorker = await h.services.tokens.create("worker", h.users.admin, {
    name: "revoked worker",
  });
  await h.services.tokens.revoke(revokedWorker.info.id, h.users.admin, "worker");

  const session = (user: (typeof h.users)[keyof typeof h.users]): Principal => ({
    kind: "user",
    user,
    via: "session",
  });
  callers = [
    { name: "anonymous", principal: { kind: "anonymous" }, allowed: ["public"] },
    {
      name: "unknown bearer token",
      principal: await principalOf("tlab_pat_not-a-real-token"),
      allowed: ["public"],
    },
    {
      name: "revoked personal token (admin's)",
      principal: await principalOf(revoked.token),
      allowed: ["public"],
    },
    {
      name: "revoked worker token",
      principal: await principalOf(revokedWorker.token),
      allowed: ["public"],
    },
    { name: "viewer session", principal: session(h.users.viewer), allowed: ["public", "viewer"] },
    {
      name: "member session",
      principal: session(h.users.member),
      allowed: ["public", "viewer", "member"],
    },
    {
      name: "admin session",
      principal: session(h.users.admin),
      allowed: ["public", "viewer", "member", "admin"],
    },
    {
      name: "viewer personal token",
      principal: await principalOf(await token("personal", h.users.viewer)),
      allowed: ["public", "viewer"],
    },
    {
      name: "member personal token",
      principal: await principalOf(await token("personal", h.users.member)),
      allowed: ["public", "viewer", "member"],
    },
    {
      name: "admin personal token",
      principal: await principalOf(await token("personal", h.users.admin)),
      allowed: ["public", "viewer", "member", "admin"],
    },
    {
      name: "worker token",
      principal: await principalOf(await token("worker", h.users.admin)),
      allowed: ["public", "worker"],
    },
    {
      name: "bootstrap worker token",
      principal: await principalOf("bootstrap-worker-token-0123456789"),
      allowed: ["public", "worker"],
    },
  ];
});
afterAll(async () => h?.cleanup());

/** Every procedure of the whole router, by its dotted path, with the level it declares. */
function allProcedures(): { path: string; access: AccessLevel | undefined }[] {
  // At run time `_def.procedures` is flat: "experiment.create" → procedure (its type is the nested record).
  const procedures = appRouter._def.procedures as unknown as Record<
    string,
    { _def: { meta?: ProcedureMeta } }
  >;
  return Object.entries(procedures).map(([path, procedure]) => ({
    path,
    access: procedure._def.meta?.access,
  }));
}

async function callAs(principal: Principal, path: string): Promise<unknown> {
  let target: unknown = h.as(principal);
  for (const key of path.split(".")) target = (target as Record<string, unknown>)[key];
  // No input at all: the access check runs before input parsing, so a refused caller is refused
  // whatever it sends, and an allowed one gets at worst a BAD_REQUEST about the input.
  return (target as (input?: unknown) => Promise<unknown>)(undefined).then(
    () => null,
    (error: unknown) => error,
  );
}

describe("every tRPC procedure declares and enforces an access level", () => {
  it("the router has procedures, each with a known level, and only the listed ones are public", () => {
    const procedures = allProcedures();
    expect(procedures.length).toBeGreaterThan(20);
    const undeclared = procedures.filter(
      (p) => !["public", "viewer", "member", "admin", "worker"].includes(p.access as string),
    );
    expect(
      undeclared.map((p) => p.path),
      "procedures without an access level",
    ).toEqual([]);
    const publicOnes = procedures
      .filter((p) => p.access === "public")
      .map((p) => p.path)
      .sort();
    expect(publicOnes, "public procedures must be listed in PUBLIC_PROCEDURES").toEqual(
      [...PUBLIC_PROCEDURES].sort(),
    );
  });

  it("webhook procedures are admin-only: they make the server send requests to chosen URLs", () => {
    const webhook = allProcedures().filter((p) => p.path.startsWith("webhook."));
    expect(webhook.map((p) => p.path).sort()).toEqual([
      "webhook.create",
      "webhook.deliveries",
      "webhook.list",
      "webhook.remove",
      "webhook.sendTest",
      "webhook.setEnabled",
    ]);
    expect(webhook.filter((p) => p.access !== "admin")).toEqual([]);
  });

  it("refuses anonymous callers, under-privileged roles and the wrong token kind on every procedure", async () => {
    const problems: string[] = [];
    for (const { path, access } of allProcedures()) {
      for (const caller of callers) {
        const error = await callAs(caller.principal, path);
        const code = error instanceof TRPCError ? error.code : null;
        const refused = code === "UNAUTHORIZED" || code === "FORBIDDEN";
        if (caller.allowed.includes(access!)) {
          if (refused)
            problems.push(
              `${path} (${access}) refused ${caller.name}: ${code} ${(error as Error).message}`,
            );
        } else {
          const expected = caller.principal.kind === "anonymous" ? "UNAUTHORIZED" : "FORBIDDEN";
          if (code !== expected)
            problems.push(
              `${path} (${access}) let ${caller.name} through (expected ${expected}, got ${code ?? "success"})`,
            );
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it("says why a refused credential did not count", async () => {
    const revoked = callers.find((c) => c.name.startsWith("revoked personal"))!;
    const error = (await callAs(revoked.principal, "experiment.list")) as TRPCError;
    expect(error.message).toMatch(/revoked/);
    const viewer = callers.find((c) => c.name === "viewer session")!;
    expect(((await callAs(viewer.principal, "experiment.create")) as TRPCError).message).toMatch(
      /needs the member role/,
    );
  });
});
