import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createTestDb, type TestDb } from "@tlab/db/testing/create-test-db";

// As `next start` runs it: better-auth reads NODE_ENV once, when it is first imported.
vi.stubEnv("NODE_ENV", "production");
let createAuth: typeof import("./create-auth").createAuth;
beforeAll(async () => {
  ({ createAuth } = await import("./create-auth"));
});

let testDb: TestDb | undefined;
afterEach(async () => testDb?.cleanup());

/** The Set-Cookie headers of the server's first sign-up, served from `origin`. */
async function signUpCookies(origin: string, publicUrl?: string): Promise<string[]> {
  testDb = await createTestDb();
  const auth = createAuth({
    db: testDb.db,
    provider: testDb.provider,
    secret: "a-test-secret-of-at-least-32-characters-0123456789",
    baseURL: publicUrl,
  });
  const response = await auth.handler(
    new Request(`${origin}/api/auth/sign-up/email`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        host: new URL(origin).host,
        origin,
        "x-tlab-client-address": "192.0.2.1",
      },
      body: JSON.stringify({
        email: "ada@example.test",
        password: "correct horse battery",
        name: "Ada",
      }),
    }),
  );
  expect(response.status).toBe(200);
  return response.headers.getSetCookie().filter((cookie) => cookie.includes("session_token="));
}

describe("the session cookie is Secure exactly when the public URL is HTTPS", () => {
  it("plain HTTP on a LAN host name (no TLAB_PUBLIC_URL) gets a cookie the browser keeps over HTTP", async () => {
    const [cookie] = await signUpCookies("http://tlab-box.lan:3000");
    expect(cookie).toMatch(/^tlab\.session_token=/);
    expect(cookie).not.toMatch(/;\s*Secure/i);
  });

  it("an http:// TLAB_PUBLIC_URL too", async () => {
    const [cookie] = await signUpCookies("http://tlab-box.lan:3000", "http://tlab-box.lan:3000");
    expect(cookie).not.toMatch(/;\s*Secure/i);
  });

  it("an https:// TLAB_PUBLIC_URL gets a Secure, __Secure- prefixed cookie", async () => {
    const [cookie] = await signUpCookies("https://tlab.example.com", "https://tlab.example.com");
    expect(cookie).toMatch(/^__Secure-tlab\.session_token=.*;\s*Secure/i);
  });
});
