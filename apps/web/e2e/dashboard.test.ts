import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUILTIN_BASE_MODEL, BUILTIN_DATASET } from "@tlab/core/presets";
import { finishAllRuns } from "./simulated-worker";
import {
  browserSkipReason,
  launchBrowser,
  signIn,
  startWebServer,
  waitForLaunchForm,
  type Browser,
  type WebServer,
} from "./web-server";

// The dashboard as a new user meets it, in Chromium against a built app: launch three strategies
// with two seeds from the form, read the comparison once the runs are done (a simulated worker
// finishes them over the worker API, so this test needs no training), compare runs picked in the
// runs table, and clone. Screenshots of each page land in e2e/screenshots.

const skipReason = browserSkipReason();
if (skipReason) console.warn(`[e2e] skipping the dashboard test: ${skipReason}`);

describe.skipIf(skipReason !== null)(
  `dashboard in a browser${skipReason ? ` (skipped: ${skipReason})` : ""}`,
  () => {
    let server: WebServer;
    let browser: Browser;
    let experimentUrl = "";

    beforeAll(async () => {
      server = await startWebServer();
      browser = await launchBrowser();
      await signIn(browser.page, server.url);
    });

    afterAll(async () => {
      await browser?.close();
      await server?.stop();
    });

    it("launches three strategies with two seeds from the form, with a partial cut chosen by layer name", async () => {
      const { page } = browser;
      await page.goto(`${server.url}/experiments/new`);
      await waitForLaunchForm(page);
      const summary = page.getByRole("complementary", { name: "This launch" });
      await summary.getByText("3 runs").waitFor();

      await page
        .getByLabel("Experiment name", { exact: true })
        .fill("E2E three strategies, two seeds");
      await page.getByLabel("Base model", { exact: true }).selectOption(BUILTIN_BASE_MODEL);
      await page.getByLabel("Dataset", { exact: true }).selectOption(BUILTIN_DATASET);
      await page.getByLabel("Epochs", { exact: true }).fill("4");
      await page.getByLabel("Seeds", { exact: true }).fill("2");
      await summary.getByText("6 runs").waitFor();
      expect(await summary.textContent()).toContain("3 strategies × 2 seeds");

      // Partial fine-tune: freeze through conv2, so fc1 and fc2 train; the layer strip follows.
      await page.getByRole("radio", { name: "Freeze through a named layer" }).check();
      await page.getByLabel("Partial fine-tune Last frozen layer").selectOption("conv2");
      await page.getByLabel("Partial fine-tune Learning rate").fill("0.02");
      await page.getByLabel("Full fine-tune Head").selectOption("svm");
      const strip = summary.getByRole("list", {
        name: "Partial fine-tune: base layers, frozen or trainable",
      });
      expect(await strip.textContent()).toMatch(/conv2 \(Conv2D, [\d,]+ parameters\): frozen/);
      expect(await strip.textContent()).toMatch(/fc1 \(Dense, [\d,]+ parameters\): trainable/);
      await page.getByLabel("Rotation (degrees)").fill("5");
      await page.getByLabel("Learning-rate schedule").selectOption("cosine");
      await browser.shot("10-launch-form-filled");

      await page.getByRole("button", { name: "Launch" }).click();
      await page.waitForURL(/\/experiments\/(?!new)[^/?]+$/);
      experimentUrl = page.url();
      await page
        .getByRole("heading", { level: 1, name: "E2E three strategies, two seeds" })
        .waitFor();
      expect(await page.getByRole("region", { name: "Runs" }).locator("tbody tr").count()).toBe(6);
      expect(await page.getByText("lr 0.02").count()).toBeGreaterThan(0);
      expect(await page.getByText("rotate 5°").count()).toBe(1);
      await browser.shot("11-experiment-queued");
      expect(browser.pageErrors).toEqual([]);
    });

    it("compares the strategies once the runs finish: verdict, best per column, cost chart, matrices, config diff", async () => {
      expect(await finishAllRuns(server)).toBe(6);
      const { page } = browser;
      await page.goto(experimentUrl);
      const verdict = page.locator("p", { hasText: /Full fine-tune is most accurate/ });
      await verdict.waitFor();
      expect(await verdict.textContent()).toMatch(
        // The simulated seeds shift every strategy alike, so the paired differences have no spread:
        // the interval is the point itself and p is 0 (see pairedTTest).
        /2\.0 points above Partial fine-tune .*Full fine-tune beats partial fine-tune by 2\.0 points, 95% CI 2\.0 to 2\.0, p < 0\.001, 2 seeds/,
      );

      const summary = page.getByRole("region", { name: "Strategies compared" });
      // Accuracy: full; wall time, throughput, parameters, memory: frozen; best epoch ties everyone.
      expect(await summary.getByText("best", { exact: true }).count()).toBeGreaterThanOrEqual(5);
      const fullRow = summary.getByRole("row", { name: /Full fine-tune/ });
      expect(await fullRow.textContent()).toMatch(/95\.0% ± 0\.8/);

      const cost = page.getByRole("region", { name: "Accuracy against cost" });
      expect(
        await cost
          .getByText(/Partial fine-tune: on the frontier|Partial fine-tune.*dominated/)
          .count(),
      ).toBeGreaterThan(0);
      await cost.getByText("Trainable parameters").click();
      await page.waitForURL(/cost=params/);
      expect(await cost.getByRole("img").getAttribute("aria-labelledby")).toBeTruthy();

      const confusion = page.getByRole("region", { name: "Confusion matrices (test set)" });
      await confusion.getByRole("table", { name: /^B − A/ }).waitFor();
      await confusion.getByLabel("B", { exact: true }).selectOption("full");
      await page.waitForURL(/cm=frozen(%2C|,)full/);

      const diff = page.getByRole("region", { name: "What differs between the strategies" });
      expect(await diff.getByRole("row", { name: /learningRate/ }).textContent()).toMatch(
        /0\.03.*0\.02.*0\.01/,
      );
      expect(await diff.getByRole("row", { name: /head\.type/ }).textContent()).toMatch(
        /softmax.*softmax.*svm/,
      );

      await page.getByRole("combobox", { name: "Band across seeds" }).selectOption("minmax");
      await page.waitForURL(/band=minmax/);
      await browser.shot("12-experiment-compared-1280");
      await page.setViewportSize({ width: 1024, height: 900 });
      await browser.shot("13-experiment-compared-1024");
      // No horizontal scrolling of the page itself at laptop width (wide tables scroll in their own box).
      expect(
        await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1),
      ).toBe(true);
      await page.setViewportSize({ width: 1280, height: 900 });
      expect(browser.pageErrors).toEqual([]);
    });

    it("picks runs in the runs table and compares them on a page whose URL holds the selection and the view", async () => {
      const { page } = browser;
      await page.goto(`${server.url}/runs`);
      await page.getByRole("checkbox", { name: /^Select Full fine-tune seed 1 of/ }).check();
      await page
        .getByRole("checkbox", { name: /^Select Frozen feature extractor seed 2 of/ })
        .check();
      await page.getByRole("button", { name: "Compare 2 runs" }).click();
      await page.waitForURL(/\/compare\?/);
      const url = new URL(page.url());
      expect(url.searchParams.get("runs")?.split(",")).toHaveLength(2);
      expect(url.searchParams.get("metric")).toBe("val/accuracy");
      await page.getByRole("heading", { level: 1, name: "Comparing 2 runs" }).waitFor();

      await page.getByLabel("Metric").selectOption("val/loss");
      await page.waitForURL(/metric=val%2Floss/);
      await page.reload();
      expect(await page.getByLabel("Metric").inputValue()).toBe("val/loss");
      await page
        .getByRole("figure", { name: "Validation loss per epoch" })
        .locator("canvas")
        .first()
        .waitFor();
      const results = page.getByRole("region", { name: "Results" });
      expect(await results.getByRole("row").count()).toBe(3);
      await browser.shot("14-compare-runs");

      // Filters and sort live in the URL too.
      await page.goto(`${server.url}/runs?strategy=full&sort=testAccuracy`);
      expect(await page.locator("tbody tr").count()).toBe(2);
      await browser.shot("15-runs-table");
      expect(browser.pageErrors).toEqual([]);
    });

    it("clones an experiment and a run into a pre-filled form", async () => {
      const { page } = browser;
      await page.goto(experimentUrl);
      await page.getByRole("link", { name: "Clone", exact: true }).click();
      await page.waitForURL(/\/experiments\/new\?clone=/);
      await waitForLaunchForm(page);
      expect(await page.getByLabel("Experiment name", { exact: true }).inputValue()).toBe(
        "E2E three strategies, two seeds (copy)",
      );
      expect(await page.getByLabel("Seeds", { exact: true }).inputValue()).toBe("2");
      expect(await page.getByLabel("Partial fine-tune Last frozen layer").inputValue()).toBe(
        "conv2",
      );
      expect(await page.getByLabel("Full fine-tune Head").inputValue()).toBe("svm");
      expect(await page.getByLabel("Learning-rate schedule").inputValue()).toBe("cosine");
      await page.getByLabel("Seeds", { exact: true }).fill("3");
      await page.getByRole("complementary", { name: "This launch" }).getByText("9 runs").waitFor();
      await browser.shot("16-clone-form");
      await page.getByRole("button", { name: "Launch" }).click();
      await page.waitForURL(/\/experiments\/(?!new)[^/?]+$/);
      await page
        .getByRole("heading", { level: 1, name: "E2E three strategies, two seeds (copy)" })
        .waitFor();
      const runs = page.getByRole("region", { name: "Runs" });
      expect(await runs.locator("tbody tr").count()).toBe(9);
      // A queued run is canceled from its row, then put back in the queue from the same row.
      await runs.getByRole("button", { name: /^Cancel Full fine-tune seed 3/ }).click();
      await runs.getByRole("button", { name: /^Retry Full fine-tune seed 3/ }).click();
      await runs.getByRole("button", { name: /^Cancel Full fine-tune seed 3/ }).waitFor();
      expect(await runs.getByRole("button", { name: /^Retry / }).count()).toBe(0);

      // A run's clone keeps only its strategy.
      await page.goto(experimentUrl);
      await page.getByRole("link", { name: /^Details of Partial fine-tune seed 1/ }).click();
      await page.waitForURL(/\/runs\/[^/]+$/);
      await page
        .getByRole("region", { name: "Status timeline" })
        .getByText("Claimed by sim-worker")
        .waitFor();
      await browser.shot("17-run-finished");
      await page.getByRole("link", { name: "Clone", exact: true }).click();
      await page.waitForURL(/\/experiments\/new\?cloneRun=/);
      await waitForLaunchForm(page);
      expect(await page.getByLabel("Partial fine-tune", { exact: true }).isChecked()).toBe(true);
      expect(await page.getByLabel("Frozen feature extractor", { exact: true }).isChecked()).toBe(
        false,
      );
      expect(await page.getByLabel("Seeds", { exact: true }).inputValue()).toBe("1");

      // The experiments list finds both by name and sorts them.
      await page.goto(`${server.url}/`);
      await page.getByLabel("Search").fill("copy");
      await page.waitForURL(/q=copy/);
      await expect.poll(() => page.locator("tbody tr").count()).toBe(1);
      expect(await page.locator("tbody tr").first().textContent()).toContain("(copy)");
      await page.goto(`${server.url}/?sort=name&dir=asc`);
      expect(await page.locator("tbody tr").first().textContent()).toContain(
        "E2E three strategies, two seeds",
      );
      await browser.shot("18-experiments-list");
      expect(browser.pageErrors).toEqual([]);
    });

    it("tags and stars an experiment, writes a run note, and all three persist after a reload", async () => {
      const { page } = browser;
      await page.goto(experimentUrl);
      const labels = page.getByRole("group", { name: "Star and tags" });
      await labels.getByLabel("New tag").fill("Baseline");
      await labels.getByRole("button", { name: "Add tag" }).click();
      await labels
        .getByRole("list", { name: "Tags" })
        .getByRole("link", { name: "baseline" })
        .waitFor();
      await labels.getByRole("button", { name: /^Star E2E three strategies, two seeds/ }).click();
      await labels
        .getByRole("button", { name: /^Unstar E2E three strategies, two seeds \(1 star\)/ })
        .waitFor();
      await page.reload();
      await labels
        .getByRole("list", { name: "Tags" })
        .getByRole("link", { name: "baseline" })
        .waitFor();
      expect(
        await labels
          .getByRole("button", { name: /^Unstar E2E three strategies, two seeds/ })
          .getAttribute("aria-pressed"),
      ).toBe("true");

      // The list: only the tagged, starred experiment under either filter, with its chip and decision.
      await page.goto(`${server.url}/?tag=baseline`);
      await expect.poll(() => page.locator("tbody tr").count()).toBe(1);
      const row = page.locator("tbody tr").first();
      expect(await row.textContent()).toMatch(
        /E2E three strategies, two seeds.*baseline.*undecided/,
      );
      await page.goto(`${server.url}/`);
      await page.getByLabel("Starred by me").check();
      await page.waitForURL(/starred=1/);
      await expect.poll(() => page.locator("tbody tr").count()).toBe(1);
      await browser.shot("19-experiments-tagged-starred");

      await page.goto(experimentUrl);
      await page.getByRole("link", { name: /^Details of Full fine-tune seed 2/ }).click();
      await page.waitForURL(/\/runs\/[^/]+$/);
      const note = page.getByRole("region", { name: "Run note" });
      await note.getByRole("button", { name: "Write a note" }).click();
      await note
        .getByLabel("Note", { exact: true })
        .fill("Best seed: keep the **SVM head** for the next sweep.");
      await note.getByRole("button", { name: "Save note" }).click();
      await note.locator("strong", { hasText: "SVM head" }).waitFor();
      await page.reload();
      await note.locator("strong", { hasText: "SVM head" }).waitFor();
      expect(await note.textContent()).toMatch(/Last edited by .+ on /);
      await browser.shot("20-run-note");
      expect(browser.pageErrors).toEqual([]);
    });

    it("fits a phone's width: the top bar wraps and only wide tables scroll, inside their own box", async () => {
      const { page } = browser;
      await page.setViewportSize({ width: 390, height: 844 });
      const pageWidth = () => page.evaluate(() => document.documentElement.scrollWidth);
      /** The outermost elements reaching past the viewport, to name the culprit when the page is too wide. */
      const overflowing = () =>
        page.evaluate(() =>
          [...document.querySelectorAll("body *")]
            .filter(
              (el) =>
                el.getBoundingClientRect().right > window.innerWidth + 1 &&
                !el.closest(".visually-hidden"),
            )
            .filter((el) => {
              for (
                let box = el.parentElement;
                box && box !== document.body;
                box = box.parentElement
              )
                if (["auto", "scroll"].includes(getComputedStyle(box).overflowX)) return false;
              return true;
            })
            .filter(
              (el) =>
                !(
                  el.parentElement &&
                  el.parentElement.getBoundingClientRect().right > window.innerWidth + 1
                ),
            )
            .map(
              (el) =>
                `${el.tagName.toLowerCase()}.${[...el.classList].join(".")} (${Math.round(el.getBoundingClientRect().right)} px)`,
            )
            .join(", "),
        );
      const barInsideViewport = () =>
        page.evaluate(() =>
          [...document.querySelectorAll(".topbar a, .topbar summary")].every(
            (el) => el.getBoundingClientRect().right <= window.innerWidth + 1,
          ),
        );
      try {
        await page.goto(`${server.url}/`);
        await page.locator("tbody tr").first().waitFor();
        await browser.shot("21-experiments-390");
        expect.soft(await pageWidth(), await overflowing()).toBeLessThanOrEqual(392);
        expect(await barInsideViewport()).toBe(true);

        await page.goto(experimentUrl);
        await page
          .getByRole("heading", { level: 1, name: "E2E three strategies, two seeds" })
          .waitFor();
        await browser.shot("22-experiment-390");
        expect.soft(await pageWidth(), await overflowing()).toBeLessThanOrEqual(392);

        await page.getByRole("link", { name: /^Details of Full fine-tune seed 1/ }).click();
        await page.waitForURL(/\/runs\/[^/]+$/);
        await page.getByRole("region", { name: "Status timeline" }).waitFor();
        await browser.shot("23-run-390");
        expect.soft(await pageWidth(), await overflowing()).toBeLessThanOrEqual(392);

        await page.goto(`${server.url}/runs`);
        await page.locator("tbody tr").first().waitFor();
        expect.soft(await pageWidth(), await overflowing()).toBeLessThanOrEqual(392);
      } finally {
        await page.setViewportSize({ width: 1280, height: 900 });
      }
      expect(browser.pageErrors).toEqual([]);
    });

    it("answers an unknown experiment, run or page with a 404 and the Not found page", async () => {
      const { page } = browser;
      for (const missing of [
        "/experiments/no-such-experiment",
        "/runs/no-such-run",
        "/no-such-page",
      ]) {
        const response = await page.goto(`${server.url}${missing}`);
        expect(response?.status(), missing).toBe(404);
        await page
          .getByRole("heading", { name: /not found/i })
          .first()
          .waitFor();
      }
    });
  },
);
