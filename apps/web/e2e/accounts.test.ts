import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUILTIN_BASE_MODEL, PRESETS } from "@tlab/core/presets";
import { finishAllRuns } from "./simulated-worker";
import {
  browserSkipReason,
  E2E_USER,
  launchBrowser,
  signIn,
  startWebServer,
  trpc,
  type Browser,
  type WebServer,
} from "./web-server";

// Accounts and access as a new team would meet them: the first visitor creates the admin account,
// the admin invites a member and a viewer, tokens are created and revoked in the dashboard, and
// every door (tRPC, route handlers, better-auth) refuses the wrong caller.

const skipReason = browserSkipReason();
if (skipReason) console.warn(`[e2e] skipping the accounts test: ${skipReason}`);

const PASSWORD = "a long enough password";

describe.skipIf(skipReason !== null)(
  `accounts and access${skipReason ? ` (skipped: ${skipReason})` : ""}`,
  () => {
    let server: WebServer;
    let browser: Browser;

    beforeAll(async () => {
      server = await startWebServer();
      browser = await launchBrowser();
    }, 120_000);
    afterAll(async () => {
      await browser?.close();
      await server?.stop();
    });

    /** The Cookie header of the browser's current session, for HTTP calls made as that user. */
    async function sessionCookie(): Promise<string> {
      return (await browser.context.cookies(server.url))
        .map((c) => `${c.name}=${c.value}`)
        .join("; ");
    }

    async function status(path: string, init: RequestInit = {}): Promise<number> {
      return (await fetch(`${server.url}${path}`, { redirect: "manual", ...init })).status;
    }

    /** Signs the browser out (cookies gone), then creates the invited account from its link. */
    async function acceptInvite(link: string, name: string): Promise<void> {
      await browser.context.clearCookies();
      const { page } = browser;
      await page.goto(link);
      const form = page.getByRole("form", { name: "Create account" });
      await form.getByLabel("Name", { exact: true }).fill(name);
      await form.getByLabel("Password", { exact: true }).fill(PASSWORD);
      await form.getByLabel("Repeat password", { exact: true }).fill(PASSWORD);
      await form.getByRole("button").click();
      await page.waitForURL((u) => u.pathname === "/");
    }

    it("refuses anonymous callers everywhere except health and the sign-in pages", async () => {
      expect(await status("/api/health")).toBe(200);
      expect(await status("/")).toBe(307); // to /sign-in
      expect(await status("/settings/users")).toBe(307);
      expect(await status("/sign-in")).toBe(307); // no account yet: on to first-run sign-up
      expect(await status("/sign-up")).toBe(200);
      expect(await status(`/api/trpc/experiment.list?input=${encodeURIComponent("{}")}`)).toBe(401);
      expect(await status("/api/trpc/account.setupState")).toBe(200);
      expect(await status(`/api/base-models/${BUILTIN_BASE_MODEL}/model.json`)).toBe(401);
      expect(await status("/api/artifacts/runs/some-run/model.json")).toBe(401);
      expect(await status("/api/runs/some-run/events")).toBe(401);
      expect(await status("/api/runs/some-run/predictions")).toBe(401);
      expect(await status("/api/datasets/some-dataset/data")).toBe(401);
      for (const path of [
        "/api/datasets/some-dataset",
        `/api/base-models/${BUILTIN_BASE_MODEL}-copy`,
        "/api/artifacts/runs/some-run/model.json",
      ]) {
        expect([401, 403], path).toContain(
          await status(path, { method: "PUT", body: "x", headers: { origin: server.url } }),
        );
      }
    });

    let inviteLinks: Record<"member" | "viewer", string>;

    it("the first account becomes admin and invites a member and a viewer", async () => {
      await signIn(browser.page, server.url); // first-run sign-up
      const { page } = browser;
      await page.goto(`${server.url}/settings/users`);
      await page.getByRole("heading", { level: 1, name: "Users" }).waitFor();
      const links: Partial<Record<"member" | "viewer", string>> = {};
      for (const role of ["member", "viewer"] as const) {
        const form = page.getByRole("form", { name: "Invite a user" });
        await form.getByLabel("Email", { exact: true }).fill(`${role}@example.test`);
        await form.getByLabel("Role", { exact: true }).selectOption(role);
        await form.getByRole("button", { name: "Create invitation link" }).click();
        const link = page.getByTestId("invite-link");
        await link.waitFor();
        links[role] = (await link.textContent())!.trim();
        expect(links[role]).toMatch(new RegExp(`^${server.url}/invite/`));
        await page
          .getByRole("status", { name: "Invitation link" })
          .getByRole("button", { name: "Done" })
          .click();
      }
      inviteLinks = links as Record<"member" | "viewer", string>;
      await page
        .getByRole("table", { name: "Invitations" })
        .getByText("viewer@example.test")
        .waitFor();
      await browser.shot("accounts-01-users");
      const users = page.getByRole("table", { name: "Users" });
      expect(await users.getByRole("cell", { name: E2E_USER.email }).count()).toBe(1);
    });

    it("admins create worker tokens, which may call worker procedures and nothing else", async () => {
      const { page } = browser;
      await page.goto(`${server.url}/settings/tokens`);
      const form = page.getByRole("form", { name: "Create a worker token" });
      await form.getByLabel("Token name", { exact: true }).fill("gpu-host-1");
      await form.getByRole("button").click();
      const secret = (await page.getByTestId("new-worker-token").textContent())!.trim();
      expect(secret).toMatch(/^tlab_wkr_/);
      await browser.shot("accounts-02-worker-token");
      const worker = await trpc<{ id: string }>(
        server.url,
        "worker.register",
        { name: "w", hostname: "h", backend: "wasm", device: "cpu", versions: {} },
        { token: secret, mutation: true },
      );
      expect(worker.id).toBeTruthy();
      await expect(trpc(server.url, "experiment.list", {}, { token: secret })).rejects.toThrow(
        /^experiment.list: 403 a worker token may call the worker procedures only/,
      );
      expect(
        await status("/api/datasets/some-dataset", {
          method: "PUT",
          body: "x",
          headers: { authorization: `Bearer ${secret}`, "content-type": "application/zip" },
        }),
      ).toBe(403);
      // The token is listed with its last use, and never shown again.
      await page.reload();
      const row = page
        .getByRole("table", { name: "Worker tokens" })
        .getByRole("row", { name: /gpu-host-1/ });
      expect(await row.textContent()).not.toContain(secret);
      expect(await row.textContent()).not.toMatch(/never/);
    });

    it("every page and API answer carries the security headers; pages a CSP with a fresh nonce", async () => {
      const cookie = await sessionCookie();
      const nonces = new Set<string>();
      for (const [path, headers] of [
        ["/", { cookie }],
        ["/settings/users", { cookie }],
        ["/sign-in", {}],
        ["/runs", {}],
        ["/api/health", {}],
      ] as const) {
        const response = await fetch(`${server.url}${path}`, { redirect: "manual", headers });
        expect(response.headers.get("x-frame-options"), path).toBe("DENY");
        expect(response.headers.get("x-content-type-options"), path).toBe("nosniff");
        expect(response.headers.get("referrer-policy"), path).toBe("same-origin");
        const csp = response.headers.get("content-security-policy") ?? "";
        expect(csp, path).toContain("frame-ancestors 'none'");
        if (path.startsWith("/api/")) expect(csp).toMatch(/^default-src 'none'/);
        else {
          expect(csp, path).not.toContain("unsafe-eval");
          const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
          expect(nonce, path).toBeTruthy();
          nonces.add(nonce!);
          // Next.js put the nonce on its own inline scripts.
          if (response.status === 200)
            expect(await response.text(), path).toContain(`nonce="${nonce}"`);
        }
      }
      expect(nonces.size).toBe(4);
      // The app still runs under it: a page that needs client JavaScript works (pageErrors include CSP violations).
      await browser.page.goto(`${server.url}/settings/tokens`);
      await browser.page.getByRole("form", { name: "Create a worker token" }).waitFor();
      expect(browser.pageErrors).toEqual([]);
    });

    it("sends a signed-in visitor of /sign-in?next=… only to a path of this site", async () => {
      const cookie = await sessionCookie();
      const location = async (next: string) => {
        const response = await fetch(`${server.url}/sign-in?next=${next}`, {
          redirect: "manual",
          headers: { cookie },
        });
        expect(response.status, next).toBe(307);
        return new URL(response.headers.get("location")!, server.url);
      };
      for (const next of [
        "/%09/evil.test/x",
        "/%0a/x",
        "/%5Cevil.test",
        "//evil.test",
        "https%3A%2F%2Fevil.test",
      ]) {
        const target = await location(next);
        expect(target.origin, next).toBe(server.url);
        expect(target.pathname, next).toBe("/");
      }
      expect((await location("/runs%3Fstatus%3DRUNNING")).href).toBe(
        `${server.url}/runs?status=RUNNING`,
      );
    });

    it("refuses state changes from another site, with the admin's own session cookie", async () => {
      const cookie = await sessionCookie();
      const mutation = (origin: string) =>
        status("/api/trpc/token.createPersonal", {
          method: "POST",
          headers: { cookie, origin, "content-type": "application/json" },
          body: JSON.stringify({ name: "csrf" }),
        });
      expect(await mutation("https://evil.example")).toBe(403);
      expect(await mutation(server.url)).toBe(200);
      expect(
        await status("/api/auth/sign-out", {
          method: "POST",
          headers: { cookie, origin: "https://evil.example", "content-type": "application/json" },
          body: "{}",
        }),
      ).toBe(403);
    });

    it("a member joins by invitation, works with a personal token, and revoking it locks the token out", async () => {
      await acceptInvite(inviteLinks.member, "Mia Member");
      const { page } = browser;
      await page.locator("details.user-menu").getByText("member", { exact: true }).waitFor();
      await page.goto(`${server.url}/settings/tokens`);
      expect(await page.getByRole("form", { name: "Create a worker token" }).count()).toBe(0);
      const form = page.getByRole("form", { name: "Create a personal token" });
      await form.getByLabel("Token name", { exact: true }).fill("laptop CLI");
      await form.getByRole("button").click();
      const token = (await page.getByTestId("new-personal-token").textContent())!.trim();
      expect(token).toMatch(/^tlab_pat_/);
      const me = await trpc<{ email: string; role: string; via: string }>(
        server.url,
        "account.me",
        {},
        { token },
      );
      expect(me).toMatchObject({
        email: "member@example.test",
        role: "member",
        via: "personal-token",
      });
      await expect(trpc(server.url, "user.list", {}, { token })).rejects.toThrow(
        /403 this needs the admin role/,
      );
      await expect(
        trpc(server.url, "worker.claim", { workerId: "x" }, { token, mutation: true }),
      ).rejects.toThrow(/403 only trainer workers/);

      page.once("dialog", (dialog) => void dialog.accept());
      await page.getByRole("button", { name: "Revoke laptop CLI" }).click();
      await page
        .getByRole("table", { name: "Personal tokens" })
        .getByText(/revoked/)
        .waitFor();
      await expect(trpc(server.url, "account.me", {}, { token })).rejects.toThrow(
        /401 the API token has been revoked/,
      );
      await browser.shot("accounts-03-member-tokens");
    });

    it("a viewer reads but cannot launch or manage users, and is offered no control the API would refuse", async () => {
      // The member (still signed in here) launches an experiment, and a simulated worker finishes it.
      const { page } = browser;
      const created = await fetch(`${server.url}/api/trpc/experiment.create`, {
        method: "POST",
        headers: {
          cookie: await sessionCookie(),
          origin: server.url,
          "content-type": "application/json",
        },
        body: JSON.stringify({
          ...PRESETS.digits,
          name: "E2E member's experiment",
          epochs: 1,
          seeds: 1,
          trainPerClass: 20,
        }),
      });
      expect(created.status, await created.clone().text()).toBe(200);
      const experimentUrl = `${server.url}/experiments/${((await created.json()) as { result: { data: { id: string } } }).result.data.id}`;
      expect(await finishAllRuns(server)).toBeGreaterThan(0);
      await page.goto(experimentUrl);
      await page.getByRole("link", { name: "Details of Full fine-tune" }).click();
      await page.waitForURL(/\/runs\/[^/]+$/);
      const runUrl = page.url();
      // What a member is offered on that run, and a viewer must not be.
      await page.getByRole("button", { name: "Promote to base model" }).click();
      // The promote form names its field on screen, pre-filled with a name from the run.
      expect(await page.getByLabel("New base model's name").inputValue()).not.toBe("");
      await page
        .getByRole("form", { name: "Promote to base model" })
        .getByRole("button", { name: "Cancel" })
        .click();
      await page.getByRole("button", { name: "Promote to base model" }).waitFor();
      expect(await page.getByRole("link", { name: "Clone", exact: true }).count()).toBe(1);

      await acceptInvite(inviteLinks.viewer, "Vic Viewer");
      const cookie = await sessionCookie();
      const headers = { cookie, origin: server.url, "content-type": "application/json" };
      const launch = await fetch(`${server.url}/api/trpc/experiment.create`, {
        method: "POST",
        headers,
        body: JSON.stringify({ name: "x" }),
      });
      expect(launch.status).toBe(403);
      expect(((await launch.json()) as { error: { message: string } }).error.message).toMatch(
        /needs the member role/,
      );
      expect(
        await status(`/api/trpc/experiment.list?input=${encodeURIComponent("{}")}`, {
          headers: { cookie },
        }),
      ).toBe(200);

      await page.getByRole("link", { name: "E2E member's experiment" }).waitFor();
      expect(await page.getByRole("link", { name: "New experiment" }).count()).toBe(0);
      expect(await page.getByRole("link", { name: /^Clone/ }).count()).toBe(0);
      await browser.shot("accounts-04-viewer-experiments");
      await page.goto(experimentUrl);
      await page.getByRole("heading", { level: 1, name: "E2E member's experiment" }).waitFor();
      expect(await page.getByRole("link", { name: "Clone", exact: true }).count()).toBe(0);
      await page.goto(runUrl);
      await page.getByRole("region", { name: "Status timeline" }).waitFor();
      expect(await page.getByRole("button", { name: "Promote to base model" }).count()).toBe(0);
      expect(await page.getByRole("link", { name: "Clone", exact: true }).count()).toBe(0);
      await browser.shot("accounts-05-viewer-run");

      await page.goto(`${server.url}/experiments/new`);
      await page
        .getByRole("alert")
        .getByText(/Launching experiments needs the member role/)
        .waitFor();
      expect(await page.getByRole("button", { name: "Launch" }).count()).toBe(0);
      await browser.shot("accounts-06-viewer-launch");
      for (const [path, form] of [
        ["/datasets", "Upload dataset"],
        ["/models", "Upload model"],
      ] as const) {
        await page.goto(`${server.url}${path}`);
        await page.getByText("ask an admin for the member role to upload").waitFor();
        expect(await page.getByRole("form", { name: form }).count(), path).toBe(0);
      }

      await page.goto(`${server.url}/settings/users`);
      await page.getByText("Only admins manage users").waitFor();
      expect(await status(`/api/trpc/user.list`, { headers: { cookie } })).toBe(403);
      expect(browser.pageErrors).toEqual([]);
    });

    it("an admin deactivates the member: their sign-in is refused", async () => {
      await browser.context.clearCookies();
      await signIn(browser.page, server.url);
      const { page } = browser;
      await page.goto(`${server.url}/settings/users`);
      await page.getByRole("button", { name: "Deactivate member@example.test" }).click();
      await page.getByRole("button", { name: "Reactivate member@example.test" }).waitFor();
      const signInAsMember = await fetch(`${server.url}/api/auth/sign-in/email`, {
        method: "POST",
        headers: { origin: server.url, "content-type": "application/json" },
        body: JSON.stringify({ email: "member@example.test", password: PASSWORD }),
      });
      expect(signInAsMember.status).toBe(403);
      expect(((await signInAsMember.json()) as { message: string }).message).toMatch(/deactivated/);
    });

    it("comments render markdown safely, decisions keep their history, and the comparison exports", async () => {
      const cookie = await sessionCookie();
      const headers = { cookie, origin: server.url, "content-type": "application/json" };
      const created = await fetch(`${server.url}/api/trpc/experiment.create`, {
        method: "POST",
        headers,
        body: JSON.stringify({
          ...PRESETS.digits,
          name: "E2E review",
          epochs: 1,
          seeds: 1,
          trainPerClass: 20,
        }),
      });
      expect(created.status, await created.clone().text()).toBe(200);
      const experimentId = ((await created.json()) as { result: { data: { id: string } } }).result
        .data.id;
      const { page } = browser;
      await page.goto(`${server.url}/experiments/${experimentId}`);
      const discussion = page.getByRole("region", { name: "Discussion" });
      await discussion
        .getByLabel("Comment", { exact: true })
        .fill(
          '**Full wins** [click](javascript:window.__pwned=3) <b onmouseover="window.__pwned=4">hover</b> [page](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)\n\n' +
            '<script>window.__pwned = 1</script>\n\n<img src=x onerror="window.__pwned = 2">\n\n<iframe src="javascript:window.__pwned = 5"></iframe> <a href="javascript:window.__pwned = 6">raw link</a> ![pic](javascript:window.__pwned=7)',
        );
      await discussion.getByRole("button", { name: "Post comment" }).click();
      const comment = discussion.getByRole("listitem", { name: /Comment by/ });
      await comment.locator("strong", { hasText: "Full wins" }).waitFor();
      expect(
        await comment.locator("script, img, b, iframe, [onerror], [onmouseover]").count(),
      ).toBe(0);
      // Links with an unsafe protocol keep their words and lose the link; raw HTML shows as written.
      expect(await comment.getByRole("link").count()).toBe(0);
      expect(
        await comment
          .locator('[href^="javascript:" i], [href^="data:" i], [src^="javascript:" i]')
          .count(),
      ).toBe(0);
      const shown = await comment.textContent();
      expect(shown).toContain("click");
      expect(shown).toContain("<script>window.__pwned = 1</script>");
      expect(shown).toContain('<b onmouseover="window.__pwned=4">hover</b>');
      // The activity feed quotes the start of the comment: as text, never as markup.
      await page.getByRole("region", { name: "Activity" }).getByText("commented").first().waitFor();
      expect(
        await page
          .getByRole("region", { name: "Activity" })
          .locator("script, img, iframe, [onerror], [onmouseover]")
          .count(),
      ).toBe(0);
      expect(
        await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned),
      ).toBeUndefined();

      const decision = page.getByRole("form", { name: "Record a decision" });
      await decision.getByLabel("Adopted strategy").selectOption("full");
      await decision.getByLabel("Rationale").fill("Best accuracy on held-out digits.");
      await decision.getByRole("button", { name: "Record decision" }).click();
      await page
        .getByRole("status", { name: "Current decision" })
        .getByText("Adopted: Full fine-tune")
        .waitFor();
      await page.getByRole("region", { name: "Activity" }).getByText("decided").first().waitFor();
      await browser.shot("accounts-07-review");

      const csv = await fetch(`${server.url}/api/experiments/${experimentId}/export?format=csv`, {
        headers: { cookie },
      });
      expect(csv.headers.get("content-type")).toMatch(/text\/csv/);
      expect((await csv.text()).split("\r\n")[0]).toMatch(
        /^runId,strategy,seed,trainPerClass,cut,status/,
      );
      expect(await status(`/api/experiments/${experimentId}/export?format=json`)).toBe(401);
    });

    it("a user renames themself, changes their password and sees their signed-in browsers", async () => {
      const { page } = browser;
      await page.goto(`${server.url}/settings/account`);
      await page.getByRole("heading", { level: 1, name: "Account" }).waitFor();
      await page.getByRole("table", { name: "Sessions" }).getByText("this browser").waitFor();

      const profile = page.getByRole("form", { name: "Profile" });
      await profile.getByLabel("Name", { exact: true }).fill("Ada Admin");
      await profile.getByRole("button", { name: "Save name" }).click();
      await profile.getByRole("status").getByText("Name saved.").waitFor();
      await page.locator("details.user-menu summary").getByText("Ada Admin").waitFor();

      const form = page.getByRole("form", { name: "Change password" });
      const changeTo = async (current: string, next: string, again = next) => {
        await form.getByLabel("Current password", { exact: true }).fill(current);
        await form.getByLabel("New password", { exact: true }).fill(next);
        await form.getByLabel("New password again", { exact: true }).fill(again);
        await form.getByRole("button", { name: "Change password" }).click();
      };
      await changeTo(E2E_USER.password, "a new password", "a different one");
      await form.getByText("confirmPassword: the two new passwords differ").waitFor();
      await changeTo("not the password", "a new password");
      await form.getByText("currentPassword: this is not your current password").waitFor();
      await changeTo(E2E_USER.password, "a new password");
      await form
        .getByRole("status")
        .getByText(/Password changed/)
        .waitFor();
      await browser.shot("accounts-08-account");

      const signInWith = (password: string) =>
        status("/api/auth/sign-in/email", {
          method: "POST",
          headers: { origin: server.url, "content-type": "application/json" },
          body: JSON.stringify({ email: E2E_USER.email, password }),
        });
      expect(await signInWith(E2E_USER.password)).toBe(401);
      expect(await signInWith("a new password")).toBe(200);
      // This browser kept a valid session through the change.
      await page.reload();
      await page.getByRole("heading", { level: 1, name: "Account" }).waitFor();
    });

    it("keeps the data directory to its owner: DATA_DIR 0700, the database (password hashes) and secrets 0600", async () => {
      const mode = (file: string) => statSync(path.join(server.dataDir, file)).mode & 0o777;
      expect(mode(".")).toBe(0o700);
      // The harness's migration created tlab.db under the test's umask; the server closed it at start.
      for (const file of ["tlab.db", "auth-secret", "worker-token"])
        expect(mode(file), file).toBe(0o600);
      for (const file of readdirSync(server.dataDir))
        if (file.startsWith("tlab.db-")) expect(mode(file), file).toBe(0o600);
    });

    it("rate-limits sign-in attempts", async () => {
      const attempt = () =>
        status("/api/auth/sign-in/email", {
          method: "POST",
          headers: { origin: server.url, "content-type": "application/json" },
          body: JSON.stringify({ email: "nobody@example.test", password: "wrong password" }),
        });
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) statuses.push(await attempt());
      expect(statuses).toContain(429);
      // X-Forwarded-For is not believed without TLAB_TRUST_PROXY: rotating it (and the account)
      // does not make a fresh address of each attempt; this address has used up its minute.
      const rotating: number[] = [];
      for (let i = 0; i < 12; i++) {
        const body = JSON.stringify({
          email: `nobody-${i}@example.test`,
          password: "wrong password",
        });
        rotating.push(
          await status("/api/auth/sign-in/email", {
            method: "POST",
            headers: {
              origin: server.url,
              "content-type": "application/json",
              "x-forwarded-for": `198.51.100.${i + 1}`,
            },
            body,
          }),
        );
      }
      expect(rotating.filter((s) => s === 429).length, rotating.join(",")).toBeGreaterThanOrEqual(
        2,
      );
      // Counted under the TCP peer's address (recorded by the server), not a shared bucket or the header's.
      const db = new Database(path.join(server.dataDir, "tlab.db"), { readonly: true });
      try {
        const keys = (
          db.prepare(`SELECT key FROM "RateLimit" WHERE key LIKE '%/sign-in/email'`).all() as {
            key: string;
          }[]
        ).map((row) => row.key);
        expect(keys).toEqual(["127.0.0.1|/sign-in/email"]);
      } finally {
        db.close();
      }
      expect(browser.pageErrors).toEqual([]);
    });
  },
);
