import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createDb, tuneSqlite, type Db } from "@tlab/db/client";
import { createTestDb, testDbProvider, type TestDb } from "@tlab/db/testing/create-test-db";
import { CLIENT_ADDRESS_HEADER } from "./client-address";
import { createAuth, type Auth, type AuthOptions } from "./create-auth";

const ORIGIN = "http://tlab.test";
const SECRET = "a-test-secret-of-at-least-32-characters-0123456789";
const provider = testDbProvider();
let testDb: TestDb;
const replicaClients: Db[] = [];

beforeEach(async () => {
  testDb = await createTestDb();
});
afterEach(async () => {
  await Promise.all(replicaClients.splice(0).map((db) => db.$disconnect()));
  await testDb.cleanup();
});

/**
 * Two web replicas over the test's database, each with its own client (its own connections) and
 * its own auth instance, as two server processes have. Requests go to one replica at a time, so
 * two SQLite clients of one file never wait on each other here.
 */
async function twoReplicas(
  limits: Pick<AuthOptions, "signInAttemptsPerMinute" | "signInAttemptsPerAccount">,
): Promise<[Auth, Auth]> {
  const b = createDb(testDb.url);
  replicaClients.push(b.db);
  if (b.provider === "sqlite") await tuneSqlite(b.db);
  return [
    createAuth({ db: testDb.db, provider: testDb.provider, secret: SECRET, ...limits }),
    createAuth({ db: b.db, provider: b.provider, secret: SECRET, ...limits }),
  ];
}

function post(auth: Auth, path: string, body: unknown, clientAddress: string): Promise<Response> {
  return auth.handler(
    new Request(`${ORIGIN}/api/auth${path}`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        host: new URL(ORIGIN).host,
        origin: ORIGIN,
        [CLIENT_ADDRESS_HEADER]: clientAddress,
      },
      body: JSON.stringify(body),
    }),
  );
}

const signUp = (auth: Auth, email: string) =>
  post(
    auth,
    "/sign-up/email",
    { email, password: "correct horse battery", name: "Ada" },
    "192.0.2.1",
  );
const wrongSignIn = (auth: Auth, email: string, clientAddress: string) =>
  post(auth, "/sign-in/email", { email, password: "wrong password" }, clientAddress);

describe(`sign-in limits across web replicas on ${provider}`, () => {
  it("attempts from one address through replica A count on replica B", async () => {
    const [a, b] = await twoReplicas({ signInAttemptsPerMinute: 5, signInAttemptsPerAccount: 100 });
    expect((await signUp(a, "ada@example.test")).status).toBe(200);

    const statuses: number[] = [];
    for (const replica of [a, a, a, b, b])
      statuses.push((await wrongSignIn(replica, "ada@example.test", "203.0.113.7")).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401]);
    const refused = await wrongSignIn(b, "ada@example.test", "203.0.113.7");
    expect(refused.status).toBe(429);
    expect((await wrongSignIn(a, "ada@example.test", "203.0.113.7")).status).toBe(429);
    // Another address is counted apart.
    expect((await wrongSignIn(b, "ada@example.test", "203.0.113.8")).status).toBe(401);
    // Both instances share better-auth's module in this process, whose default store is a
    // module-wide map; separate processes share only the database, so the count must be there.
    expect(
      await testDb.db.rateLimit.findUnique({
        where: { key: "203.0.113.7|/sign-in/email" },
        select: { count: true },
      }),
    ).toEqual({ count: 5 });
  });

  it("attempts at one account through replica A count on replica B, whatever address they come from", async () => {
    const [a, b] = await twoReplicas({ signInAttemptsPerMinute: 100, signInAttemptsPerAccount: 4 });
    expect((await signUp(a, "ada@example.test")).status).toBe(200);

    const statuses: number[] = [];
    for (const [i, replica] of [a, b, a, b].entries())
      statuses.push((await wrongSignIn(replica, "ada@example.test", `198.51.100.${i + 1}`)).status);
    expect(statuses).toEqual([401, 401, 401, 401]);
    for (const [replica, address] of [
      [a, "198.51.100.5"],
      [b, "198.51.100.6"],
    ] as const) {
      const refused = await wrongSignIn(replica, "ada@example.test", address);
      expect(refused.status).toBe(429);
      expect(((await refused.json()) as { message: string }).message).toMatch(
        /^Too many sign-in attempts for this account from browsers it has not signed in from/,
      );
    }
    // The right password from an unknown browser is refused too while the account is limited; another account is not.
    expect(
      (
        await post(
          b,
          "/sign-in/email",
          { email: "ada@example.test", password: "correct horse battery" },
          "198.51.100.7",
        )
      ).status,
    ).toBe(429);
    expect((await wrongSignIn(b, "bob@example.test", "198.51.100.8")).status).toBe(401);
  });
});
