import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { personalToken, startPlatform, tlab, type Platform } from "./platform-harness";
import { browserSkipReason, launchBrowser, waitForLaunchForm, type Browser } from "./web-server";

const ADMIN = { email: "curves-admin@example.test", password: "curves admin password" };
const skipReason = browserSkipReason();
if (skipReason) console.warn(`[e2e] skipping the transfer-curves test: ${skipReason}`);

interface LaunchedRun {
  id: string;
  strategy: string;
  seed: number;
  trainPerClass: number;
  cut?: { by: string; layer?: string };
  status: string;
  metrics: { testAccuracy?: number; trainableParams?: number };
}

// Transfer curves from one launch, for real: a cut sweep over every cut point of the LeNet-5 base
// and a two-rung label-budget ladder, two seeds each, trained by the platform's worker on tiny
// budgets; then both charts on the experiment page, drawn from those runs.
describe.skipIf(skipReason !== null)("a cut sweep over a label-budget ladder", () => {
  let platform: Platform;
  let token: string;
  let browser: Browser;
  let experimentId: string;
  beforeAll(async () => {
    platform = await startPlatform({ admin: ADMIN });
    token = await personalToken(platform.url, ADMIN);
    browser = await launchBrowser();
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
  });

  it("launch --sweep-cut all --train-per-class 10,40 trains every run with its own budget and cut", async () => {
    const result = await tlab(
      platform.url,
      [
        "launch",
        "--preset",
        "digits",
        "--epochs",
        "2",
        "--seeds",
        "2",
        "--train-per-class",
        "10,40",
        "--validation-fraction",
        "0.2",
        "--test-per-class",
        "60",
        "--sweep-cut",
        "all",
        "--wait",
        "--json",
      ],
      { token },
    );
    expect(result.stderr, platform.output().slice(-3000)).not.toMatch(/tlab:/);
    const out = JSON.parse(result.stdout) as { experimentId: string; runs: LaunchedRun[] };
    experimentId = out.experimentId;
    // 2 budgets × 2 seeds × (frozen, partial at conv1, conv2 and fc1, full).
    const keys = out.runs.map(
      (r) => `${r.trainPerClass}/${r.seed}/${r.strategy}/${r.cut?.layer ?? "-"}`,
    );
    expect(keys.sort()).toEqual(
      [10, 40]
        .flatMap((n) =>
          [1, 2].flatMap((seed) =>
            ["frozen/-", "partial/conv1", "partial/conv2", "partial/fc1", "full/-"].map(
              (s) => `${n}/${seed}/${s}`,
            ),
          ),
        )
        .sort(),
    );
    for (const run of out.runs) {
      expect(run.status, `${run.strategy}: ${platform.output().slice(-3000)}`).toBe("SUCCEEDED");
      if (run.strategy === "partial") expect(run.cut?.by).toBe("layer");
      else expect(run.cut).toBeUndefined();
    }
    // A deeper cut trains fewer parameters: the runs really trained with their own cut.
    const params = (layer: string) =>
      out.runs.find((r) => r.cut?.layer === layer)!.metrics.trainableParams!;
    expect(params("conv1")).toBeGreaterThan(params("conv2"));
    expect(params("conv2")).toBeGreaterThan(params("fc1"));
  }, 900_000);

  it("the experiment page draws accuracy against cut depth and against labels per class", async () => {
    expect(experimentId).toBeTruthy();
    const { page } = browser;
    await page.goto(`${platform.url}/sign-in`);
    const form = page.getByRole("form", { name: "Sign in" });
    await form.getByLabel("Email", { exact: true }).fill(ADMIN.email);
    await form.getByLabel("Password", { exact: true }).fill(ADMIN.password);
    await form.getByRole("button").click();
    await page.waitForURL((u) => !/\/sign-in/.test(u.pathname), { timeout: 30_000 });
    await page.goto(`${platform.url}/experiments/${experimentId}`);

    const section = page.getByRole("region", { name: "Transfer curves" });
    const depth = section.getByRole("figure", {
      name: "Test accuracy against layers trained (cut depth)",
    });
    const labels = section.getByRole("figure", { name: "Test accuracy against labels per class" });
    for (const chart of [depth, labels]) {
      await chart.locator("canvas").first().waitFor();
      expect(await chart.locator(".chart-empty").count()).toBe(0);
    }
    // The pairwise tests come per budget and per cut (2 × (3 frozen–partial + frozen–full + 3
    // partial–full)), folded away until asked for.
    const tests = page.locator(".verdict-tests details");
    await tests.locator("summary", { hasText: "14 pairwise tests" }).click();
    const pairs = await tests
      .getByRole("list", { name: "Pairwise comparisons" })
      .getByRole("listitem")
      .allTextContents();
    expect(pairs).toHaveLength(14);
    expect(
      pairs.filter((p) => p.startsWith("10 labels a class, partial cut at conv1: ")),
    ).toHaveLength(2);
    // One line per budget in the depth chart; one per setting in the labels chart.
    expect(
      await section
        .getByRole("list", { name: "Label budgets in the cut-depth chart" })
        .getByRole("listitem")
        .allTextContents(),
    ).toEqual(["10 labels per class", "40 labels per class"]);
    expect(
      await section
        .getByRole("list", { name: "Strategies in the label-budget chart" })
        .getByRole("listitem")
        .allTextContents(),
    ).toEqual([
      "Frozen feature extractor",
      "Partial fine-tune (cut at fc1)",
      "Partial fine-tune (cut at conv2)",
      "Partial fine-tune (cut at conv1)",
      "Full fine-tune",
    ]);
    expect(await section.getByTestId("depth-axis").textContent()).toBe(
      "0: Frozen feature extractor · 1: Partial fine-tune (cut at fc1) · 2: Partial fine-tune (cut at conv2) · 3: Partial fine-tune (cut at conv1) · 4: Full fine-tune",
    );
    // Points under the cursor: the readout names a value at each end of both axes.
    for (const [chart, axis] of [
      [depth, "weighted base layers trained"],
      [labels, "labels per class"],
    ] as const) {
      const over = chart.locator(".u-over");
      const box = (await over.boundingBox())!;
      await over.hover({ position: { x: 2, y: box.height / 2 } });
      await expect
        .poll(() => chart.locator(".chart-readout").textContent())
        .toMatch(new RegExp(`^${axis} \\d+: .*\\d\\.\\d{3}`));
    }
    await section
      .getByRole("list", { name: "Where the frozen extractor's line crosses" })
      .getByRole("listitem")
      .first()
      .waitFor();
    await browser.shot("transfer-curves");
    expect(browser.pageErrors).toEqual([]);
  }, 120_000);

  it("the launch form makes a sweep over a ladder, with the schema's errors next to its fields", async () => {
    const { page } = browser;
    await page.goto(`${platform.url}/experiments/new?preset=digits-quick`);
    await waitForLaunchForm(page);
    await page.getByLabel("Experiment name", { exact: true }).fill("Sweep from the form");
    const ladder = page.getByLabel("Label-budget ladder", { exact: true });
    await ladder.fill("10, 10");
    await page.getByLabel("Cut sweep", { exact: true }).selectOption("chosen");
    await page.getByRole("group", { name: "Layers to cut at" }).getByLabel("conv2").check();
    await page.getByRole("group", { name: "Layers to cut at" }).getByLabel("fc1").uncheck();
    await page.getByRole("group", { name: "Layers to cut at" }).getByLabel("conv1").uncheck();
    await page.getByRole("button", { name: "Launch" }).click();
    const ladderError = page.locator("#trainPerClassLadder-error");
    await ladderError.waitFor();
    expect(await ladderError.textContent()).toBe("each value can appear only once");
    expect(await ladder.getAttribute("aria-invalid")).toBe("true");

    await ladder.fill("10, 30");
    const summary = page.getByRole("complementary", { name: "This launch" });
    // digits-quick: one seed; frozen, partial at conv2 and full, for 2 budgets.
    await summary.getByText("6 runs", { exact: true }).waitFor();
    expect(await summary.locator(".summary-total").textContent()).toBe(
      "6 runs: 3 strategies × 1 seed × 2 label budgets",
    );
    await page.getByRole("button", { name: "Launch" }).click();
    await page.waitForURL(/\/experiments\/(?!new$)[^/]+$/);
    await page.getByRole("heading", { level: 1, name: "Sweep from the form" }).waitFor();
    const rows = page.getByRole("region", { name: "Runs" }).locator("tbody tr td:first-child");
    expect((await rows.allTextContents()).sort()).toEqual(
      [
        "Frozen feature extractor · 10 per class",
        "Frozen feature extractor · 30 per class",
        "Full fine-tune · 10 per class",
        "Full fine-tune · 30 per class",
        "Partial fine-tune · cut at conv2, 10 per class",
        "Partial fine-tune · cut at conv2, 30 per class",
      ].sort(),
    );
    expect(browser.pageErrors).toEqual([]);
  }, 120_000);
});
