import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { BUILTIN_BASE_MODEL } from "@tlab/core/presets";
import { writeFakeBaseModel } from "./fixtures/fake-base-model";
import { freePort } from "./platform-harness";

// A built dashboard (`next start`) on a fresh, migrated SQLite data directory, and Debian's
// Chromium to drive it: the pieces the browser tests share.

export const WEB_DIR = path.resolve(import.meta.dirname, "..");
export const REPO_ROOT = path.resolve(WEB_DIR, "../..");
export const CHROMIUM = "/usr/bin/chromium";
export const SCREENSHOTS = path.join(import.meta.dirname, "screenshots");
const TRAINER_BASE_MODELS = path.join(REPO_ROOT, "apps/trainer/assets/base-models");

/** Why browser tests cannot run here, or null when they can. */
export function browserSkipReason(): string | null {
  if (!existsSync(CHROMIUM)) return `${CHROMIUM} is missing (apt-get install -y chromium)`;
  if (!existsSync(path.join(WEB_DIR, ".next", "BUILD_ID")))
    return "apps/web has no production build (cd apps/web && npx next build)";
  return null;
}

export interface WebServer {
  url: string;
  dataDir: string;
  log: () => string;
  /** The worker token the server generated in its data directory, for simulated workers. */
  workerToken: () => string;
  stop: () => Promise<void>;
}

export async function startWebServer(): Promise<WebServer> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "tlab-e2e-data-"));
  const databaseUrl = `file:${path.join(dataDir, "tlab.db")}`;
  execFileSync(
    path.join(REPO_ROOT, "node_modules/.bin/prisma"),
    ["migrate", "deploy", "--config", "prisma/prisma.config.ts"],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: databaseUrl },
      stdio: "pipe",
    },
  );
  const baseModels = path.join(dataDir, "base-models");
  if (existsSync(path.join(TRAINER_BASE_MODELS, BUILTIN_BASE_MODEL)))
    cpSync(TRAINER_BASE_MODELS, baseModels, { recursive: true });
  else writeFakeBaseModel(path.join(baseModels, BUILTIN_BASE_MODEL), BUILTIN_BASE_MODEL);

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let log = "";
  const server: ChildProcess = spawn(
    process.execPath,
    [
      path.join(REPO_ROOT, "node_modules/next/dist/bin/next"),
      "start",
      "-p",
      String(port),
      "-H",
      "127.0.0.1",
    ],
    {
      cwd: WEB_DIR,
      env: {
        ...process.env,
        NODE_ENV: "production",
        PORT: String(port),
        DATA_DIR: dataDir,
        DATABASE_URL: databaseUrl,
        SWEEP_INTERVAL_MS: "1000",
      },
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  server.stdout?.on("data", (chunk: Buffer) => (log += chunk.toString()));
  server.stderr?.on("data", (chunk: Buffer) => (log += chunk.toString()));

  const stop = async () => {
    if (server.pid && server.exitCode === null) {
      const exited = new Promise<void>((resolve) => server.once("exit", () => resolve()));
      // next start forks; the server runs detached in its own process group so the group is stopped.
      process.kill(-server.pid, "SIGTERM");
      const timeout = sleep(5000).then(() => "timeout" as const);
      if ((await Promise.race([exited, timeout])) === "timeout")
        process.kill(-server.pid, "SIGKILL");
    }
    rmSync(dataDir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (server.exitCode !== null)
      throw new Error(`next start exited with ${server.exitCode}:\n${log}`);
    try {
      if ((await fetch(`${url}/api/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the server did not become healthy within 60 s:\n${log}`);
    }
    await sleep(250);
  }
  return {
    url,
    dataDir,
    log: () => log,
    workerToken: () => readFileSync(path.join(dataDir, "worker-token"), "utf8").trim(),
    stop,
  };
}

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Uncaught errors in the page and Content-Security-Policy violations: a test ends by expecting none. */
  pageErrors: string[];
  shot: (name: string) => Promise<void>;
  close: () => Promise<void>;
}

export async function launchBrowser(viewport = { width: 1280, height: 900 }): Promise<Browser> {
  const profileDir = mkdtempSync(path.join(os.tmpdir(), "tlab-e2e-chromium-"));
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    viewport,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const pageErrors: string[] = [];
  page.on("pageerror", (error) => pageErrors.push(error.message));
  // A script or style the Content-Security-Policy blocked is a page error too: the page is broken.
  page.on("console", (message) => {
    if (message.type() === "error" && /Content Security Policy/i.test(message.text()))
      pageErrors.push(message.text());
  });
  mkdirSync(SCREENSHOTS, { recursive: true });
  return {
    context,
    page,
    pageErrors,
    shot: async (name) => {
      await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
    },
    close: async () => {
      await context.close().catch(() => undefined);
      rmSync(profileDir, { recursive: true, force: true });
    },
  };
}

/** A tRPC call over HTTP, as the trainer's client makes it (no transformer). */
export async function trpc<T>(
  url: string,
  procedure: string,
  input: unknown,
  opts: { token?: string; mutation?: boolean } = {},
): Promise<T> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  const response = opts.mutation
    ? await fetch(`${url}/api/trpc/${procedure}`, {
        method: "POST",
        headers,
        body: JSON.stringify(input),
      })
    : await fetch(
        `${url}/api/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify(input))}`,
        { headers },
      );
  const body = (await response.json()) as { result?: { data: T }; error?: { message: string } };
  if (!response.ok || !body.result)
    throw new Error(
      `${procedure}: ${response.status} ${body.error?.message ?? JSON.stringify(body)}`,
    );
  return body.result.data;
}

export const E2E_USER = {
  name: "E2E Admin",
  email: "e2e-admin@example.test",
  password: "correct horse battery staple",
};

/**
 * Signs the browser in as the server's first account (created on first use, which makes it the
 * admin). On a server that does not ask anyone to sign in, it does nothing.
 */
export async function signIn(page: Page, url: string): Promise<void> {
  await page.goto(`${url}/`);
  if (!/\/sign-(in|up)/.test(new URL(page.url()).pathname)) return;
  await page.goto(`${url}/sign-up`);
  const createForm = page.getByRole("form", { name: "Create account" });
  if (await createForm.count()) {
    await createForm.getByLabel("Name", { exact: true }).fill(E2E_USER.name);
    await createForm.getByLabel("Email", { exact: true }).fill(E2E_USER.email);
    await createForm.getByLabel("Password", { exact: true }).fill(E2E_USER.password);
    await createForm.getByLabel("Repeat password", { exact: true }).fill(E2E_USER.password);
    await createForm.getByRole("button").click();
  } else {
    await page.goto(`${url}/sign-in`);
    const form = page.getByRole("form", { name: "Sign in" });
    await form.getByLabel("Email", { exact: true }).fill(E2E_USER.email);
    await form.getByLabel("Password", { exact: true }).fill(E2E_USER.password);
    await form.getByRole("button").click();
  }
  await page.waitForURL((u) => !/\/sign-(in|up)/.test(u.pathname), { timeout: 30_000 });
}

/** A viewer's tRPC query with the browser's session cookie (what the page itself would send). */
export async function trpcAsBrowser<T>(
  context: BrowserContext,
  url: string,
  procedure: string,
  input: unknown,
): Promise<T> {
  const response = await context.request.get(
    `${url}/api/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify(input))}`,
  );
  const body = (await response.json()) as { result?: { data: T }; error?: { message: string } };
  if (!response.ok() || !body.result)
    throw new Error(
      `${procedure}: ${response.status()} ${body.error?.message ?? JSON.stringify(body)}`,
    );
  return body.result.data;
}

/**
 * Waits until the launch form on the page is hydrated (its Launch button is enabled only then):
 * filling a server-rendered form before React takes it over can lose or garble what was typed.
 */
export async function waitForLaunchForm(page: Page): Promise<void> {
  await page.locator('button[type="submit"]:not([disabled])', { hasText: "Launch" }).waitFor();
}
