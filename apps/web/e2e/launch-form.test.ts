import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUILTIN_BASE_MODEL, BUILTIN_DATASET } from "@tlab/core/presets";
import { writeFakeBaseModel } from "./fixtures/fake-base-model";
import { signIn, trpcAsBrowser, waitForLaunchForm } from "./web-server";

// The launch form end to end: a built app (`next start`) on a fresh, migrated SQLite data
// directory, driven through Debian's Chromium by labels and roles, as a person would use it.

const WEB_DIR = path.resolve(import.meta.dirname, "..");
const REPO_ROOT = path.resolve(WEB_DIR, "../..");
const CHROMIUM = "/usr/bin/chromium";
const TRAINER_BASE_MODELS = path.join(REPO_ROOT, "apps/trainer/assets/base-models");
const SCREENSHOTS = path.join(import.meta.dirname, "screenshots");
/** As deep as MobileNetV2 (156 layers, long names): its layer strips once widened the page to 15,591 px. */
const DEEP_BASE_MODEL = "deep-156-layers";
const DEEP_LAYERS = Array.from({ length: 156 }, (_, i) => ({
  name: `block_${String(i).padStart(3, "0")}_depthwise_conv_bn_relu`,
  className: i % 3 === 0 ? "Conv2D" : "BatchNormalization",
  paramCount: i % 3 === 0 ? 1000 + 40 * i : 64,
}));

const skipReason = !existsSync(CHROMIUM)
  ? `${CHROMIUM} is missing (apt-get install -y chromium)`
  : !existsSync(path.join(WEB_DIR, ".next", "BUILD_ID"))
    ? "apps/web has no production build (cd apps/web && npx next build)"
    : null;
if (skipReason) console.warn(`[e2e] skipping the launch form test: ${skipReason}`);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === "object" && address
          ? resolve(address.port)
          : reject(new Error("no port")),
      );
    });
  });
}

async function waitForHealth(
  url: string,
  server: ChildProcess,
  log: () => string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (server.exitCode !== null)
      throw new Error(`next start exited with ${server.exitCode}:\n${log()}`);
    try {
      const res = await fetch(`${url}/api/health`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the server did not become healthy within ${timeoutMs} ms:\n${log()}`);
}

async function stopServer(server: ChildProcess | undefined): Promise<void> {
  if (!server?.pid || server.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => server.once("exit", () => resolve()));
  // next start forks; the server runs detached in its own process group so the group is stopped.
  process.kill(-server.pid, "SIGTERM");
  const timeout = new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), 5000));
  if ((await Promise.race([exited, timeout])) === "timeout") process.kill(-server.pid, "SIGKILL");
}

describe.skipIf(skipReason !== null)(
  `launch form in a browser${skipReason ? ` (skipped: ${skipReason})` : ""}`,
  () => {
    let dataDir = "";
    let profileDir = "";
    let server: ChildProcess | undefined;
    let serverLog = "";
    let baseUrl = "";
    let browser: BrowserContext | undefined;

    beforeAll(async () => {
      dataDir = mkdtempSync(path.join(os.tmpdir(), "tlab-e2e-data-"));
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
      writeFakeBaseModel(path.join(baseModels, DEEP_BASE_MODEL), DEEP_BASE_MODEL, DEEP_LAYERS);

      const port = await freePort();
      baseUrl = `http://127.0.0.1:${port}`;
      server = spawn(
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
      server.stdout?.on("data", (chunk: Buffer) => (serverLog += chunk.toString()));
      server.stderr?.on("data", (chunk: Buffer) => (serverLog += chunk.toString()));
      await waitForHealth(baseUrl, server, () => serverLog, 60_000);

      profileDir = mkdtempSync(path.join(os.tmpdir(), "tlab-e2e-chromium-"));
      browser = await chromium.launchPersistentContext(profileDir, {
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
        viewport: { width: 1366, height: 900 },
      });
      mkdirSync(SCREENSHOTS, { recursive: true });
    });

    afterAll(async () => {
      await browser?.close().catch(() => undefined);
      await stopServer(server);
      if (profileDir) rmSync(profileDir, { recursive: true, force: true });
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    });

    async function shot(page: Page, name: string): Promise<void> {
      await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
    }

    it("names the missing field, then launches an experiment and shows its three queued runs", async () => {
      const page = browser!.pages()[0] ?? (await browser!.newPage());
      const pageErrors: string[] = [];
      page.on("pageerror", (error) => pageErrors.push(error.message));

      // A fresh server: the first visit goes to sign-up, and that first account becomes the admin.
      await signIn(page, baseUrl);
      await page.goto(`${baseUrl}/`);
      await shot(page, "01-experiments-empty");
      await page.getByRole("link", { name: "New experiment" }).click();
      await page.waitForURL("**/experiments/new");
      await waitForLaunchForm(page);

      const name = page.getByLabel("Experiment name", { exact: true });
      await name.fill("");
      await page.getByLabel("Base model", { exact: true }).selectOption(BUILTIN_BASE_MODEL);
      await page.getByLabel("Dataset", { exact: true }).selectOption(BUILTIN_DATASET);
      for (const strategy of ["Frozen feature extractor", "Partial fine-tune", "Full fine-tune"]) {
        await page.getByLabel(strategy, { exact: true }).check();
      }
      await page.getByLabel("Epochs", { exact: true }).fill("2");
      await page.getByLabel("Seeds", { exact: true }).fill("1");
      await page.getByLabel("Batch size", { exact: true }).fill("32");
      await page.getByLabel("Training images per class", { exact: true }).fill("50");

      // The live summary never echoes a value its field refuses.
      const summary = page.getByRole("complementary", { name: "This launch" });
      const frozenLr = page.getByLabel("Frozen feature extractor Learning rate");
      const lr = await frozenLr.inputValue();
      await page.getByLabel("Epochs", { exact: true }).fill("-1");
      await frozenLr.fill("-1");
      await summary.getByText(/— epochs each/).waitFor();
      await summary.getByText(/lr —/).first().waitFor();
      expect(await summary.textContent()).not.toContain("-1");
      await page.getByLabel("Epochs", { exact: true }).fill("2");
      await frozenLr.fill(lr);
      await summary.getByText(/2 epochs each/).waitFor();

      // Empty name: the browser-side check (the API's own schema) refuses it, next to the field.
      await page.getByRole("button", { name: "Launch" }).click();
      const nameError = page.getByRole("alert").filter({ hasText: /experiment name/i });
      await nameError.waitFor();
      expect(await nameError.textContent()).toMatch(/experiment name is required/i);
      expect(await name.getAttribute("aria-invalid")).toBe("true");
      expect(await name.getAttribute("aria-describedby")).toContain(
        await nameError.getAttribute("id"),
      );
      expect(new URL(page.url()).pathname).toBe("/experiments/new");
      await shot(page, "02-launch-form-error");

      await name.fill("E2E digits transfer");
      await page.getByRole("button", { name: "Launch" }).click();
      await page.waitForURL(/\/experiments\/(?!new$)[^/]+$/);

      await page.getByRole("heading", { level: 1, name: "E2E digits transfer" }).waitFor();
      const runs = page.getByRole("region", { name: "Runs" });
      const rows = runs.locator("tbody tr");
      expect(await rows.count()).toBe(3);
      for (const row of await rows.all()) {
        expect(await row.getByRole("cell").nth(2).textContent()).toBe("queued");
      }
      for (const strategy of ["Frozen feature extractor", "Partial fine-tune", "Full fine-tune"]) {
        expect(await runs.getByRole("cell", { name: strategy, exact: true }).count()).toBe(1);
      }
      const chart = page.getByRole("figure", { name: "Validation accuracy per epoch" });
      await chart.waitFor();
      // uPlot has drawn into the container (client-side only).
      await chart.locator("canvas").first().waitFor();
      await shot(page, "03-experiment-queued");

      // The API answers the browser's session, and nobody without one.
      expect(
        (await fetch(`${baseUrl}/api/trpc/experiment.list?input=${encodeURIComponent("{}")}`))
          .status,
      ).toBe(401);
      const list = await trpcAsBrowser<{ items: unknown[] }>(
        browser!,
        baseUrl,
        "experiment.list",
        {},
      );
      expect(list.items).toHaveLength(1);
      expect(pageErrors).toEqual([]);
    });

    it("fits a deep base model's layer strips in the summary column, without widening the page", async () => {
      const page = browser!.pages()[0] ?? (await browser!.newPage());
      await page.goto(`${baseUrl}/experiments/new`);
      await waitForLaunchForm(page);
      // The preset's name describes its base model; another base model renames the experiment after it.
      expect(await page.getByLabel("Experiment name", { exact: true }).inputValue()).toBe(
        "Digits 0-4 → 5-9",
      );
      await page.getByLabel("Base model", { exact: true }).selectOption(DEEP_BASE_MODEL);
      expect(await page.getByLabel("Experiment name", { exact: true }).inputValue()).toBe(
        `${DEEP_BASE_MODEL} → ${BUILTIN_DATASET}`,
      );
      for (const strategy of ["Frozen feature extractor", "Partial fine-tune", "Full fine-tune"]) {
        await page.getByLabel(strategy, { exact: true }).check();
      }
      const summary = page.getByRole("complementary", { name: "This launch" });
      const strip = summary.getByRole("list", {
        name: "Full fine-tune: base layers, frozen or trainable",
      });
      await strip.waitFor();
      // 156 layers that all train are one box (plus the head), described for a screen reader.
      expect(await strip.getByRole("listitem").count()).toBe(2);
      expect(await strip.textContent()).toMatch(
        /156 layers \(block_000_\S+ … block_155_\S+, [\d,]+ parameters\): trainable/,
      );
      await shot(page, "04-launch-form-deep-model");

      const layout = await page.evaluate(() => {
        const aside = document.querySelector("aside.launch-summary")!.getBoundingClientRect();
        const strips = [...document.querySelectorAll("aside.launch-summary ol.strip")].map((el) =>
          el.getBoundingClientRect(),
        );
        return {
          pageWidth: document.documentElement.scrollWidth,
          viewport: window.innerWidth,
          aside: { left: aside.left, right: aside.right },
          strips: strips.map((r) => ({ left: r.left, right: r.right })),
        };
      });
      expect(layout.pageWidth).toBeLessThanOrEqual(layout.viewport);
      expect(layout.strips).toHaveLength(3);
      for (const strip of layout.strips) {
        expect(strip.left).toBeGreaterThanOrEqual(layout.aside.left);
        expect(strip.right).toBeLessThanOrEqual(layout.aside.right);
      }
    });
  },
);
