import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FinalMetrics } from "@tlab/core/run";
import type { RunSpec } from "@tlab/core/run";
import { BUILTIN_BASE_MODEL, BUILTIN_DATASET } from "@tlab/core/presets";
import { browserSkipReason, launchBrowser, signIn, startWebServer, trpc, waitForLaunchForm, type Browser, type WebServer } from "./web-server";
import { perClassMetrics } from "@tlab/core/classification-metrics";

// The dashboard as a new user meets it, in Chromium against a built app: launch three strategies
// with two seeds from the form, read the comparison once the runs are done (a simulated worker
// finishes them over the worker API, so this test needs no training), compare runs picked in the
// runs table, and clone. Screenshots of each page land in e2e/screenshots.

const skipReason = browserSkipReason();
if (skipReason) console.warn(`[e2e] skipping the dashboard test: ${skipReason}`);

const ACCURACY: Record<string, number> = { frozen: 0.86, partial: 0.93, full: 0.95 };
const TRAINABLE: Record<string, number> = { frozen: 425, partial: 58_709, full: 61_281 };
const SECONDS: Record<string, number> = { frozen: 4, partial: 14, full: 22 };

/** Claims and finishes every queued run like a worker would, with plausible per-strategy results. */
async function finishAllRuns(server: WebServer): Promise<number> {
  const token = server.workerToken();
  const worker = await trpc<{ id: string }>(server.url, "worker.register", { name: "sim-worker", hostname: "e2e-host", backend: "cpu", device: "simulated", versions: {} }, { token, mutation: true });
  let finished = 0;
  for (;;) {
    const spec = await trpc<RunSpec | null>(server.url, "worker.claim", { workerId: worker.id }, { token, mutation: true });
    if (!spec) return finished;
    const kind = spec.strategy.kind;
    const jitter = (spec.seed - 1.5) * 0.012;
    const points = [1, 2, 3, 4].flatMap((epoch) => [
      { name: "val/accuracy", step: epoch, value: ACCURACY[kind]! - 0.3 / epoch + jitter },
      { name: "val/loss", step: epoch, value: 0.2 + 0.8 / epoch - jitter },
      { name: "train/loss", step: epoch, value: 0.15 + 0.9 / epoch },
    ]);
    await trpc(server.url, "worker.reportMetrics", { workerId: worker.id, runId: spec.runId, points }, { token, mutation: true });
    const accuracy = ACCURACY[kind]! + jitter;
    const correct = Math.round(100 * accuracy);
    const confusionMatrix = [0, 1, 2, 3, 4].map((i) => [0, 1, 2, 3, 4].map((j) => (i === j ? correct : j === (i + 1) % 5 ? 100 - correct : 0)));
    const classNames = ["5", "6", "7", "8", "9"];
    const metrics: FinalMetrics = {
      testAccuracy: accuracy,
      testLoss: 0.3,
      confusionMatrix,
      classNames,
      perClass: perClassMetrics(confusionMatrix, classNames),
      bestEpoch: 4,
      epochsRun: 4,
      trainableParams: TRAINABLE[kind]!,
      totalParams: 61_281,
      wallTimeMs: SECONDS[kind]! * 1000 * (1 + jitter),
      trainImagesPerSec: 30_000 / SECONDS[kind]!,
      peakMemoryBytes: 200e6 + TRAINABLE[kind]! * 100,
    };
    await trpc(server.url, "worker.complete", { workerId: worker.id, runId: spec.runId, metrics }, { token, mutation: true });
    finished += 1;
  }
}

describe.skipIf(skipReason !== null)(`dashboard in a browser${skipReason ? ` (skipped: ${skipReason})` : ""}`, () => {
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

    await page.getByLabel("Experiment name", { exact: true }).fill("E2E three strategies, two seeds");
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
    const strip = summary.getByRole("list", { name: "Partial fine-tune: base layers, frozen or trainable" });
    expect(await strip.textContent()).toMatch(/conv2 \(Conv2D, [\d,]+ parameters\): frozen/);
    expect(await strip.textContent()).toMatch(/fc1 \(Dense, [\d,]+ parameters\): trainable/);
    await page.getByLabel("Rotation (degrees)").fill("5");
    await page.getByLabel("Learning-rate schedule").selectOption("cosine");
    await browser.shot("10-launch-form-filled");

    await page.getByRole("button", { name: "Launch" }).click();
    await page.waitForURL(/\/experiments\/(?!new)[^/?]+$/);
    experimentUrl = page.url();
    await page.getByRole("heading", { level: 1, name: "E2E three strategies, two seeds" }).waitFor();
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
    expect(await verdict.textContent()).toMatch(/2\.0 points above Partial fine-tune .*do not overlap: a clear margin/);

    const summary = page.getByRole("region", { name: "Strategies compared" });
    // Accuracy: full; wall time, throughput, parameters, memory: frozen; best epoch ties everyone.
    expect(await summary.getByText("best", { exact: true }).count()).toBeGreaterThanOrEqual(5);
    const fullRow = summary.getByRole("row", { name: /Full fine-tune/ });
    expect(await fullRow.textContent()).toMatch(/95\.0% ± 0\.8/);

    const cost = page.getByRole("region", { name: "Accuracy against cost" });
    expect(await cost.getByText(/Partial fine-tune: on the frontier|Partial fine-tune.*dominated/).count()).toBeGreaterThan(0);
    await cost.getByText("Trainable parameters").click();
    await page.waitForURL(/cost=params/);
    expect(await cost.getByRole("img").getAttribute("aria-labelledby")).toBeTruthy();

    const confusion = page.getByRole("region", { name: "Confusion matrices (test set)" });
    await confusion.getByRole("table", { name: /^B − A/ }).waitFor();
    await confusion.getByLabel("B", { exact: true }).selectOption("full");
    await page.waitForURL(/cm=frozen(%2C|,)full/);

    const diff = page.getByRole("region", { name: "What differs between the strategies" });
    expect(await diff.getByRole("row", { name: /learningRate/ }).textContent()).toMatch(/0\.03.*0\.02.*0\.003/);
    expect(await diff.getByRole("row", { name: /head\.type/ }).textContent()).toMatch(/softmax.*softmax.*svm/);

    await page.getByRole("combobox", { name: "Band across seeds" }).selectOption("minmax");
    await page.waitForURL(/band=minmax/);
    await browser.shot("12-experiment-compared-1280");
    await page.setViewportSize({ width: 1024, height: 900 });
    await browser.shot("13-experiment-compared-1024");
    // No horizontal scrolling of the page itself at laptop width (wide tables scroll in their own box).
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1)).toBe(true);
    await page.setViewportSize({ width: 1280, height: 900 });
    expect(browser.pageErrors).toEqual([]);
  });

  it("picks runs in the runs table and compares them on a page whose URL holds the selection and the view", async () => {
    const { page } = browser;
    await page.goto(`${server.url}/runs`);
    await page.getByRole("checkbox", { name: /^Select Full fine-tune seed 1 of/ }).check();
    await page.getByRole("checkbox", { name: /^Select Frozen feature extractor seed 2 of/ }).check();
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
    await page.getByRole("figure", { name: "Validation loss per epoch" }).locator("canvas").first().waitFor();
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
    expect(await page.getByLabel("Experiment name", { exact: true }).inputValue()).toBe("E2E three strategies, two seeds (copy)");
    expect(await page.getByLabel("Seeds", { exact: true }).inputValue()).toBe("2");
    expect(await page.getByLabel("Partial fine-tune Last frozen layer").inputValue()).toBe("conv2");
    expect(await page.getByLabel("Full fine-tune Head").inputValue()).toBe("svm");
    expect(await page.getByLabel("Learning-rate schedule").inputValue()).toBe("cosine");
    await page.getByLabel("Seeds", { exact: true }).fill("3");
    await page.getByRole("complementary", { name: "This launch" }).getByText("9 runs").waitFor();
    await browser.shot("16-clone-form");
    await page.getByRole("button", { name: "Launch" }).click();
    await page.waitForURL(/\/experiments\/(?!new)[^/?]+$/);
    await page.getByRole("heading", { level: 1, name: "E2E three strategies, two seeds (copy)" }).waitFor();
    expect(await page.getByRole("region", { name: "Runs" }).locator("tbody tr").count()).toBe(9);

    // A run's clone keeps only its strategy.
    await page.goto(experimentUrl);
    await page.getByRole("link", { name: /^Details of Partial fine-tune seed 1/ }).click();
    await page.waitForURL(/\/runs\/[^/]+$/);
    await page.getByRole("region", { name: "Status timeline" }).getByText("Claimed by sim-worker").waitFor();
    await browser.shot("17-run-finished");
    await page.getByRole("link", { name: "Clone", exact: true }).click();
    await page.waitForURL(/\/experiments\/new\?cloneRun=/);
    await waitForLaunchForm(page);
    expect(await page.getByLabel("Partial fine-tune", { exact: true }).isChecked()).toBe(true);
    expect(await page.getByLabel("Frozen feature extractor", { exact: true }).isChecked()).toBe(false);
    expect(await page.getByLabel("Seeds", { exact: true }).inputValue()).toBe("1");

    // The experiments list finds both by name and sorts them.
    await page.goto(`${server.url}/`);
    await page.getByLabel("Search").fill("copy");
    await page.waitForURL(/q=copy/);
    await expect.poll(() => page.locator("tbody tr").count()).toBe(1);
    expect(await page.locator("tbody tr").first().textContent()).toContain("(copy)");
    await page.goto(`${server.url}/?sort=name&dir=asc`);
    expect(await page.locator("tbody tr").first().textContent()).toContain("E2E three strategies, two seeds");
    await browser.shot("18-experiments-list");
    expect(browser.pageErrors).toEqual([]);
  });

  it("tags and stars an experiment, writes a run note, and all three persist after a reload", async () => {
    const { page } = browser;
    await page.goto(experimentUrl);
    const labels = page.getByRole("group", { name: "Star and tags" });
    await labels.getByLabel("New tag").fill("Baseline");
    await labels.getByRole("button", { name: "Add tag" }).click();
    await labels.getByRole("list", { name: "Tags" }).getByRole("link", { name: "baseline" }).waitFor();
    await labels.getByRole("button", { name: /^Star E2E three strategies, two seeds/ }).click();
    await labels.getByRole("button", { name: /^Unstar E2E three strategies, two seeds \(1 star\)/ }).waitFor();
    await page.reload();
    await labels.getByRole("list", { name: "Tags" }).getByRole("link", { name: "baseline" }).waitFor();
    expect(await labels.getByRole("button", { name: /^Unstar E2E three strategies, two seeds/ }).getAttribute("aria-pressed")).toBe("true");

    // The list: only the tagged, starred experiment under either filter, with its chip and decision.
    await page.goto(`${server.url}/?tag=baseline`);
    await expect.poll(() => page.locator("tbody tr").count()).toBe(1);
    const row = page.locator("tbody tr").first();
    expect(await row.textContent()).toMatch(/E2E three strategies, two seeds.*baseline.*undecided/);
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
    await note.getByLabel("Note", { exact: true }).fill("Best seed: keep the **SVM head** for the next sweep.");
    await note.getByRole("button", { name: "Save note" }).click();
    await note.locator("strong", { hasText: "SVM head" }).waitFor();
    await page.reload();
    await note.locator("strong", { hasText: "SVM head" }).waitFor();
    expect(await note.textContent()).toMatch(/Last edited by .+ on /);
    await browser.shot("20-run-note");
    expect(browser.pageErrors).toEqual([]);
  });
});
