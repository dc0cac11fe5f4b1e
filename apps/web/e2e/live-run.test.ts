import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPlatform, type Platform } from "./platform-harness";
import {
  browserSkipReason,
  E2E_USER,
  launchBrowser,
  signIn,
  trpcAsBrowser,
  waitForLaunchForm,
  type Browser,
} from "./web-server";

// Launch from the browser on the whole platform (`npm start`'s path: web server + a real trainer
// worker) and watch the run page's curves grow while the worker trains: the page must show each
// new epoch within 2 s of the worker reporting it, over the server-sent event stream. The run's
// log follows along in its own section, and downloads as text once the run is done.

const skipReason = browserSkipReason();
if (skipReason) console.warn(`[e2e] skipping the live run test: ${skipReason}`);

const EPOCHS = 12;

describe.skipIf(skipReason !== null)(
  `a run followed live in the browser${skipReason ? ` (skipped: ${skipReason})` : ""}`,
  () => {
    let platform: Platform;
    let browser: Browser;

    beforeAll(async () => {
      // npm start creates an admin at first start: the browser signs in as that one.
      platform = await startPlatform({ admin: E2E_USER });
      browser = await launchBrowser();
      await signIn(browser.page, platform.url);
    }, 300_000);

    afterAll(async () => {
      await browser?.close();
      await platform?.stop();
    });

    it("launches from the form and shows each epoch on the run page within 2 s of the worker reporting it", async () => {
      const { page } = browser;
      await page.goto(`${platform.url}/experiments/new`);
      await waitForLaunchForm(page);
      await page.getByLabel("Experiment name", { exact: true }).fill("E2E live run");
      await page.getByLabel("Frozen feature extractor", { exact: true }).uncheck();
      await page.getByLabel("Partial fine-tune", { exact: true }).uncheck();
      await page.getByLabel("Epochs", { exact: true }).fill(String(EPOCHS));
      await page.getByRole("complementary", { name: "This launch" }).getByText("1 run").waitFor();
      await page.getByRole("button", { name: "Launch" }).click();
      await page.waitForURL(/\/experiments\/(?!new)[^/?]+$/);
      await page.getByRole("link", { name: /^Details of Full fine-tune/ }).click();
      await page.waitForURL(/\/runs\/[^/]+$/);
      const runId = new URL(page.url()).pathname.split("/").pop()!;
      await page
        .getByText("Live: new epochs appear as the worker reports them")
        .waitFor({ timeout: 15_000 });
      // Rendered by the server while it trains (elapsed time, log times): hydrates without a mismatch.
      await page.reload();
      await page
        .getByText("Live: new epochs appear as the worker reports them")
        .waitFor({ timeout: 15_000 });
      await page
        .getByRole("region", { name: "Status timeline" })
        .getByText(/ so far$/)
        .waitFor();
      expect(browser.pageErrors).toEqual([]);

      // Sample the API (what the worker has reported) and the page (what it shows) side by side.
      const apiSeen = new Map<number, number>();
      const pageSeen = new Map<number, number>();
      const liveLine = page.locator(".live-line");
      const logBox = page.getByRole("log", { name: "Run log" });
      let logLinesWhileRunning = 0;
      const deadline = Date.now() + 240_000;
      for (;;) {
        const [series, run, text, logEpochLines] = await Promise.all([
          trpcAsBrowser<{ name: string; points: unknown[] }[]>(
            browser.context,
            platform.url,
            "run.metrics",
            { runId },
          ),
          trpcAsBrowser<{ status: string }>(browser.context, platform.url, "run.byId", { runId }),
          liveLine.textContent(),
          logBox.getByText(new RegExp(`^epoch \\d+/${EPOCHS}`)).count(),
        ]);
        const now = Date.now();
        const reported = series.find((s) => s.name === "val/accuracy")?.points.length ?? 0;
        if (reported > 0 && !apiSeen.has(reported)) apiSeen.set(reported, now);
        const shown = Number(/(\d+) epochs? so far/.exec(text ?? "")?.[1] ?? 0);
        if (shown > 0 && !pageSeen.has(shown)) pageSeen.set(shown, now);
        if (run.status === "RUNNING")
          logLinesWhileRunning = Math.max(logLinesWhileRunning, logEpochLines);
        if (run.status !== "QUEUED" && run.status !== "RUNNING") {
          expect(run.status, platform.output().slice(-3000)).toBe("SUCCEEDED");
          break;
        }
        if (now > deadline)
          throw new Error(`the run did not finish in time:\n${platform.output().slice(-3000)}`);
        await new Promise((r) => setTimeout(r, 100));
      }

      // The curve grew on the page while the run trained, not only at the end.
      const grown = [...pageSeen.keys()].sort((a, b) => a - b);
      expect(grown.length, `epochs seen on the page: ${grown.join(", ")}`).toBeGreaterThanOrEqual(
        3,
      );
      const lags = grown.flatMap((epoch) =>
        apiSeen.has(epoch)
          ? [{ epoch, lagMs: Math.max(0, pageSeen.get(epoch)! - apiSeen.get(epoch)!) }]
          : [],
      );
      console.info(
        `[e2e] live lag per epoch (page shown − API reported, ms): ${JSON.stringify(lags)}`,
      );
      expect(lags.length).toBeGreaterThanOrEqual(2);
      for (const { epoch, lagMs } of lags) expect(lagMs, `epoch ${epoch}`).toBeLessThan(2000);

      // The finished run: final metrics and the full curve, without a reload.
      await page
        .getByRole("region", { name: "Final metrics" })
        .getByText("Test accuracy")
        .waitFor({ timeout: 15_000 });
      await page.getByRole("region", { name: "Status timeline" }).getByText("Succeeded").waitFor();
      await page.getByRole("link", { name: "Download model.json" }).waitFor({ timeout: 15_000 });

      // The log: shown while the run trained, not only at the end, and whole once it finished: the
      // backend the worker chose, then one line per epoch, in order.
      expect(
        logLinesWhileRunning,
        "epoch lines in the page's log while the run was running",
      ).toBeGreaterThanOrEqual(2);
      await logBox.getByText(`epoch ${EPOCHS}/${EPOCHS}`).waitFor({ timeout: 15_000 });
      const download = await browser.context.request.get(`${platform.url}/api/runs/${runId}/log`);
      expect(download.status()).toBe(200);
      expect(download.headers()["content-type"]).toContain("text/plain");
      const logText = await download.text();
      const messages = logText.split("\n").map((line) => /\] (.*)$/.exec(line)?.[1] ?? "");
      expect(
        messages.find((m) => /^backend (wasm|cpu|tensorflow|tensorflow-gpu) /.test(m)),
        logText.slice(0, 2000),
      ).toBeDefined();
      const epochs = messages
        .flatMap((m) => Number(new RegExp(`^epoch (\\d+)/${EPOCHS} `).exec(m)?.[1] ?? NaN))
        .filter((n) => !Number.isNaN(n));
      expect(epochs).toEqual(Array.from({ length: EPOCHS }, (_, i) => i + 1));
      expect(logText).toMatch(/^# attempt 1$/m);
      expect(logText).not.toMatch(/Bearer [^[]/);
      await browser.shot("20-run-live-finished");
      expect(browser.pageErrors).toEqual([]);
    }, 400_000);
  },
);
