import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "@tlab/db/testing/create-test-db";
import {
  createRepositories,
  createServices,
  type Repositories,
  type Services,
} from "../services/create-services";
import type { SessionUser } from "@tlab/core/access";
import { CLIENT_ADDRESS_HEADER } from "./client-address";
import { createAuth, type Auth } from "./create-auth";
import { resolvePrincipal, type RequestAuth } from "./request-principal";

const ORIGIN = "http://tlab.test";
let testDb: TestDb;
let services: Services;
let repos: Repositories;
let auth: Auth;
let deps: RequestAuth;
/** The address better-auth's rate limiter counts by (in the test's database); one per test. */
let clientAddress = "";
let tests = 0;

beforeEach(async () => {
  testDb = await createTestDb();
  services = createServices(testDb.db);
  repos = createRepositories(testDb.db);
  auth = createAuth({
    db: testDb.db,
    provider: testDb.provider,
    secret: "a-test-secret-of-at-least-32-characters-0123456789",
    signInAttemptsPerMinute: 5,
  });
  deps = { auth, tokens: services.tokens, bootstrapWorkerToken: null };
  clientAddress = `203.0.113.${++tests}`;
});
afterEach(async () => testDb.cleanup());

/** An HTTP request to better-auth's handler, as the browser's fetch would send it. */
function post(
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return auth.handler(
    new Request(`${ORIGIN}/api/auth${path}`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        host: new URL(ORIGIN).host,
        origin: ORIGIN,
        [CLIENT_ADDRESS_HEADER]: clientAddress,
        ...headers,
      },
      body: JSON.stringify(body),
    }),
  );
}

/** The Cookie header a browser would send back after this response. */
function cookieFrom(response: Response): string {
  return response.headers
    .getSetCookie()
    .map((c) => c.split(";")[0]!)
    .join("; ");
}

async function signUp(email: string, extra: Record<string, unknown> = {}): Promise<Response> {
  return post("/sign-up/email", {
    email,
    password: "correct horse battery",
    name: email.split("@")[0],
    ...extra,
  });
}

describe("accounts through better-auth", () => {
  it("refuses a sign-up or profile name and an address over the length limits, naming the field", async () => {
    const longName = await signUp("ada@example.test", { name: "n".repeat(101) });
    expect(longName.status).toBe(400);
    expect(((await longName.json()) as { message: string }).message).toBe(
      "name: at most 100 characters",
    );
    const longEmail = await signUp(`${"e".repeat(250)}@example.test`, { name: "Eve" });
    expect(longEmail.status).toBe(400);
    expect(((await longEmail.json()) as { message: string }).message).toBe(
      "email: at most 254 characters",
    );

    const created = await signUp("ada@example.test");
    expect(created.status).toBe(200);
    const renamed = await post(
      "/update-user",
      { name: "m".repeat(101) },
      { cookie: cookieFrom(created) },
    );
    expect(renamed.status).toBe(400);
    expect(((await renamed.json()) as { message: string }).message).toBe(
      "name: at most 100 characters",
    );
  });

  it("the first account becomes admin; later sign-ups need an invitation, whose role they get", async () => {
    expect(await repos.users.count()).toBe(0);
    const first = await signUp("Ada@Example.test");
    expect(first.status).toBe(200);
    const cookie = cookieFrom(first);
    expect(first.headers.getSetCookie().join("\n")).toMatch(
      /tlab\.session_token=.*HttpOnly.*SameSite=Lax/i,
    );
    const { principal } = await resolvePrincipal(deps, new Headers({ cookie }));
    expect(principal).toMatchObject({
      kind: "user",
      via: "session",
      user: { email: "ada@example.test", role: "admin" },
    });

    const uninvited = await signUp("eve@example.test");
    expect(uninvited.status).toBe(403);
    expect(((await uninvited.json()) as { message: string }).message).toMatch(/invitation/);

    const admin = principal.kind === "user" ? principal.user : null;
    const { token } = await services.userAdmin.invite(
      { email: "bob@example.test", role: "member" },
      admin!,
    );
    expect(await services.userAdmin.previewInvite(token)).toMatchObject({
      email: "bob@example.test",
      role: "member",
    });
    expect((await signUp("mallory@example.test", { inviteToken: token })).status).toBe(403); // someone else's invite
    // A role sent with the sign-up is ignored: the invitation decides.
    const bob = await signUp("bob@example.test", { inviteToken: token, role: "admin" });
    expect(bob.status).toBe(200);
    expect((await repos.users.byEmail("bob@example.test"))?.role).toBe("member");
    expect((await signUp("bob2@example.test", { inviteToken: token })).status).toBe(403); // used up
  });

  it("answers a sign-up without a valid invitation the same whether the address has an account or not", async () => {
    const first = await signUp("ada@example.test");
    expect(first.status).toBe(200);
    const admin = (await resolvePrincipal(deps, new Headers({ cookie: cookieFrom(first) })))
      .principal;
    const { token } = await services.userAdmin.invite(
      { email: "bob@example.test", role: "member" },
      (admin as { user: SessionUser }).user,
    );
    const answer = async (response: Response) =>
      `${response.status} ${((await response.json()) as { message: string }).message}`;
    for (const [i, extra] of [
      {},
      { inviteToken: "not-an-invitation" },
      { inviteToken: token },
    ].entries()) {
      clientAddress = `198.51.100.${i + 1}`; // apart from the per-address limit of 5 a minute
      const taken = await answer(await signUp("ada@example.test", extra));
      const free = await answer(await signUp("eve@example.test", extra));
      expect(taken, JSON.stringify(extra)).toMatch(/^403 /);
      expect(taken.replace("ada@", "eve@"), JSON.stringify(extra)).toBe(free);
    }
    expect(await repos.users.count()).toBe(1);
  });

  it("stores the password as a scrypt hash, never in clear", async () => {
    await signUp("ada@example.test");
    const account = await testDb.db.account.findFirstOrThrow({
      where: { providerId: "credential" },
    });
    expect(account.password).not.toContain("correct horse");
    expect(account.password).toMatch(/^[0-9a-f]{32}:[0-9a-f]{128}$/); // better-auth's scrypt: salt:key
  });

  it("a deactivated account cannot sign in, and its sessions and tokens stop working", async () => {
    const admin = cookieFrom(await signUp("ada@example.test"));
    const adminUser = (await repos.users.byEmail("ada@example.test"))!;
    const { token } = await services.userAdmin.invite(
      { email: "bob@example.test", role: "member" },
      { ...adminUser, role: "admin" },
    );
    const bobCookie = cookieFrom(await signUp("bob@example.test", { inviteToken: token }));
    const bob = (await repos.users.byEmail("bob@example.test"))!;
    const pat = await services.tokens.create("personal", bob, { name: "cli" });
    expect((await services.tokens.authenticate(pat.token, null)).kind).toBe("user");

    await services.userAdmin.setActive(bob.id, false, { ...adminUser, role: "admin" });
    expect((await resolvePrincipal(deps, new Headers({ cookie: bobCookie }))).principal.kind).toBe(
      "anonymous",
    );
    expect(await services.tokens.authenticate(pat.token, null)).toMatchObject({
      kind: "anonymous",
      reason: expect.stringMatching(/deactivated/),
    });
    const signIn = await post("/sign-in/email", {
      email: "bob@example.test",
      password: "correct horse battery",
    });
    expect(signIn.status).toBe(403);
    expect(((await signIn.json()) as { message: string }).message).toMatch(/deactivated/);
    // The admin is unaffected, and cannot lock the server out by deactivating the last admin.
    expect((await resolvePrincipal(deps, new Headers({ cookie: admin }))).principal.kind).toBe(
      "user",
    );
    await expect(
      services.userAdmin.setActive(adminUser.id, false, { ...adminUser, role: "admin" }),
    ).rejects.toThrow(/your own account/);
    await expect(
      services.userAdmin.setRole(adminUser.id, "member", { ...adminUser, role: "admin" }),
    ).rejects.toThrow(/only active admin/);
  });

  it("changing the password checks the current one, replaces the hash and can sign out the other browsers", async () => {
    const laptop = cookieFrom(await signUp("ada@example.test"));
    const phone = cookieFrom(
      await post("/sign-in/email", {
        email: "ada@example.test",
        password: "correct horse battery",
      }),
    );
    const wrong = await post(
      "/change-password",
      { currentPassword: "not my password", newPassword: "a new battery staple" },
      { cookie: laptop },
    );
    expect(wrong.status).toBe(400);
    expect(
      (
        await post(
          "/change-password",
          { currentPassword: "correct horse battery", newPassword: "short" },
          { cookie: laptop },
        )
      ).status,
    ).toBe(400);

    const changed = await post(
      "/change-password",
      {
        currentPassword: "correct horse battery",
        newPassword: "a new battery staple",
        revokeOtherSessions: true,
      },
      { cookie: laptop },
    );
    expect(changed.status).toBe(200);
    // better-auth issues the changing browser a fresh session; the other one is signed out.
    const fresh = cookieFrom(changed);
    expect((await resolvePrincipal(deps, new Headers({ cookie: fresh }))).principal.kind).toBe(
      "user",
    );
    expect((await resolvePrincipal(deps, new Headers({ cookie: phone }))).principal.kind).toBe(
      "anonymous",
    );
    expect(
      (
        await post("/sign-in/email", {
          email: "ada@example.test",
          password: "correct horse battery",
        })
      ).status,
    ).toBe(401);
    expect(
      (
        await post("/sign-in/email", {
          email: "ada@example.test",
          password: "a new battery staple",
        })
      ).status,
    ).toBe(200);
  });

  it("a profile update changes the name but never the role", async () => {
    const admin = await signUp("ada@example.test");
    const adminUser = (await repos.users.byEmail("ada@example.test"))!;
    expect(admin.status).toBe(200);
    const { token } = await services.userAdmin.invite(
      { email: "vic@example.test", role: "viewer" },
      { ...adminUser, role: "admin" },
    );
    const vic = cookieFrom(await signUp("vic@example.test", { inviteToken: token }));
    const escalate = await post(
      "/update-user",
      { name: "Vic Viewer", role: "admin" },
      { cookie: vic },
    );
    expect(escalate.status).toBe(400);
    expect((await repos.users.byEmail("vic@example.test"))?.role).toBe("viewer");
    expect((await post("/update-user", { name: "Vic Viewer" }, { cookie: vic })).status).toBe(200);
    expect(await repos.users.byEmail("vic@example.test")).toMatchObject({
      name: "Vic Viewer",
      role: "viewer",
    });
  });

  it("refuses a state-changing auth request from another origin", async () => {
    const cookie = cookieFrom(await signUp("ada@example.test"));
    const crossSite = await post("/sign-out", {}, { cookie, origin: "https://evil.example" });
    expect(crossSite.status).toBe(403);
    expect((await resolvePrincipal(deps, new Headers({ cookie }))).principal.kind).toBe("user");
    expect((await post("/sign-out", {}, { cookie })).status).toBe(200);
    expect((await resolvePrincipal(deps, new Headers({ cookie }))).principal.kind).toBe(
      "anonymous",
    );
  });

  it("rate-limits sign-in attempts per client address", async () => {
    await signUp("ada@example.test");
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++)
      statuses.push(
        (await post("/sign-in/email", { email: "ada@example.test", password: "wrong password" }))
          .status,
      );
    expect(statuses.slice(0, 5).every((s) => s === 401)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
  });

  it("guessing at an account from many addresses does not lock its owner's browser out", async () => {
    await signUp("ada@example.test");
    const signIn = (password: string, address: string, cookie?: string) =>
      post(
        "/sign-in/email",
        { email: "ada@example.test", password },
        { [CLIENT_ADDRESS_HEADER]: address, ...(cookie ? { cookie } : {}) },
      );
    // The owner signed in from this browser before: it keeps a trusted-device cookie.
    const ownerSignIn = await signIn("correct horse battery", "192.0.2.10");
    expect(ownerSignIn.status).toBe(200);
    const device = ownerSignIn.headers
      .getSetCookie()
      .find((c) => c.startsWith("tlab.trusted_device="));
    expect(device).toMatch(/HttpOnly/i);
    const ownerCookie = device!.split(";")[0]!;

    const attacker: number[] = [];
    for (let i = 0; i < 12; i++)
      attacker.push((await signIn("wrong password", `198.51.100.${i + 1}`)).status);
    expect(attacker.slice(10)).toEqual([429, 429]);
    // The owner's browser still signs in; an unknown browser (or a forged cookie) waits.
    expect((await signIn("correct horse battery", "192.0.2.10", ownerCookie)).status).toBe(200);
    expect((await signIn("correct horse battery", "192.0.2.11")).status).toBe(429);
    expect(
      (await signIn("correct horse battery", "192.0.2.12", ownerCookie.replace(/=./, "=x"))).status,
    ).toBe(429);

    // The cookie counts for its own account only, and guesses through it are limited too.
    const otherAccount = await post(
      "/sign-in/email",
      { email: "bob@example.test", password: "wrong password" },
      { [CLIENT_ADDRESS_HEADER]: "192.0.2.13", cookie: ownerCookie },
    );
    expect(otherAccount.status).toBe(401);
    const throughDevice: number[] = [];
    for (let i = 0; i < 11; i++)
      throughDevice.push(
        (await signIn("wrong password", `203.0.113.${100 + i}`, ownerCookie)).status,
      );
    expect(throughDevice.at(-1)).toBe(429);
  });

  it("rate-limits sign-in attempts per account, whatever address they claim to come from", async () => {
    await signUp("ada@example.test");
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      statuses.push(
        (
          await post(
            "/sign-in/email",
            { email: "ada@example.test", password: "wrong password" },
            { [CLIENT_ADDRESS_HEADER]: `198.51.100.${i + 1}` },
          )
        ).status,
      );
    }
    expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(10)).toEqual([429, 429]);
  });
});
