import { mcnemarExact, pairedTTest } from "@tlab/core/significance";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { personalToken, startPlatform, tlab, type Platform } from "./platform-harness";
import { browserSkipReason, launchBrowser, type Browser } from "./web-server";

// Per-image evidence end to end: the platform's worker really trains the digits preset on a tiny
// budget; `tlab launch --wait --json` prints the pairwise comparisons, which a reader recomputes
// from the runs' accuracies and the served per-image predictions; then the experiment page's
// fixed/broken gallery and a difference cell are walked in Chromium.

const ADMIN = { email: "gallery-admin@example.test", password: "gallery admin password" };
const BUDGET = ["--epochs", "1", "--train-per-class", "30", "--test-per-class", "40"];

interface Launched {
  experimentId: string;
  runs: {
    id: string;
    strategy: string;
    seed: number;
    status: string;
    metrics: { testAccuracy?: number };
  }[];
  comparisons: {
    a: string;
    b: string;
    metric: string;
    n: number;
    meanDifference: number;
    ci95: [number, number];
    pValue: number;
    method: string;
  }[];
}

interface Predictions {
  classNames: string[];
  predictions: { index: number; label: number; predicted: number; confidence: number }[];
}

const skipReason = browserSkipReason();

describe.skipIf(skipReason !== null)("per-image predictions and the fixed/broken gallery", () => {
  let platform: Platform;
  let token: string;
  let browser: Browser;
  let launched: Launched;
  const predictions = new Map<string, Predictions>();

  beforeAll(async () => {
    platform = await startPlatform({ admin: ADMIN });
    token = await personalToken(platform.url, ADMIN);
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
  });

  async function launch(args: string[]): Promise<Launched> {
    const result = await tlab(
      platform.url,
      ["launch", "--preset", "digits", ...BUDGET, ...args, "--wait", "--json"],
      { token },
    );
    expect(result.code, `${result.stderr}\n${platform.output().slice(-3000)}`).toBe(0);
    return JSON.parse(result.stdout) as Launched;
  }

  async function predictionsOf(runId: string): Promise<Predictions> {
    const anonymous = await fetch(`${platform.url}/api/runs/${runId}/predictions`);
    expect(anonymous.status).toBe(401);
    const response = await fetch(`${platform.url}/api/runs/${runId}/predictions`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(200);
    return (await response.json()) as Predictions;
  }

  it("one seed: McNemar from the served predictions, whose accuracy is each run's testAccuracy exactly", async () => {
    launched = await launch(["--strategies", "frozen,full"]);
    expect(launched.runs.map((r) => r.status)).toEqual(["SUCCEEDED", "SUCCEEDED"]);
    for (const run of launched.runs) {
      const served = await predictionsOf(run.id);
      predictions.set(run.strategy, served);
      expect(served.classNames).toEqual(["5", "6", "7", "8", "9"]);
      expect(served.predictions.map((p) => p.index)).toEqual(served.predictions.map((_, i) => i));
      const right = served.predictions.filter((p) => p.label === p.predicted).length;
      expect(right / served.predictions.length).toBe(run.metrics.testAccuracy);
    }
    const frozen = predictions.get("frozen")!.predictions;
    const full = predictions.get("full")!.predictions;
    // One seed's test set, shared image by image.
    expect(full.map((p) => p.label)).toEqual(frozen.map((p) => p.label));
    const fixed = frozen.filter(
      (p, i) => p.predicted !== p.label && full[i]!.predicted === p.label,
    );
    const broken = frozen.filter(
      (p, i) => p.predicted === p.label && full[i]!.predicted !== p.label,
    );
    const expected = mcnemarExact(
      frozen.map((p) => p.label),
      frozen.map((p) => p.predicted),
      full.map((p) => p.predicted),
    );
    expect(expected).toMatchObject({ fixedByB: fixed.length, brokenByB: broken.length });
    expect(launched.comparisons).toEqual([
      {
        a: "frozen",
        b: "full",
        metric: "testAccuracy",
        n: frozen.length,
        seeds: [launched.runs[0]!.seed],
        meanDifference: (fixed.length - broken.length) / frozen.length,
        ci95: expected.ci95,
        pValue: expected.pValue,
        method: "mcnemar",
      },
    ]);
  }, 600_000);

  it("two seeds: a paired t-test on the per-seed accuracy differences", async () => {
    const two = await launch(["--strategies", "frozen,full", "--seeds", "2"]);
    const accuracy = (strategy: string, seed: number) =>
      two.runs.find((r) => r.strategy === strategy && r.seed === seed)!.metrics.testAccuracy!;
    const seeds = [...new Set(two.runs.map((r) => r.seed))].sort((a, b) => a - b);
    const expected = pairedTTest(seeds.map((s) => accuracy("full", s) - accuracy("frozen", s)));
    expect(two.comparisons).toHaveLength(1);
    expect(two.comparisons[0]).toMatchObject({ a: "frozen", b: "full", method: "paired-t", n: 2 });
    expect(two.comparisons[0]!.meanDifference).toBeCloseTo(expected.meanDifference, 15);
    expect(two.comparisons[0]!.ci95).toEqual(expected.ci95);
    expect(two.comparisons[0]!.pValue).toBe(expected.pValue);
  }, 600_000);

  it("the experiment page shows the images fixed and broken by B, and those behind a difference cell", async () => {
    browser = await launchBrowser();
    const { page } = browser;
    await page.goto(`${platform.url}/sign-in`);
    const form = page.getByRole("form", { name: "Sign in" });
    await form.getByLabel("Email", { exact: true }).fill(ADMIN.email);
    await form.getByLabel("Password", { exact: true }).fill(ADMIN.password);
    await form.getByRole("button").click();
    await page.waitForURL((u) => !/\/sign-(in|up)/.test(u.pathname), { timeout: 30_000 });
    await page.goto(`${platform.url}/experiments/${launched.experimentId}`);
    await page.getByRole("heading", { name: "Confusion matrices (test set)" }).waitFor();

    const frozen = predictions.get("frozen")!;
    const full = predictions.get("full")!.predictions;
    const classOf = (k: number) => frozen.classNames[k]!;
    const gallery = page.getByRole("region", { name: "Test images behind the difference" });
    const items = gallery.locator("li.gallery-item");

    const expectShown = async (indices: number[]) => {
      if (indices.length === 0) {
        await gallery.getByText("No test image of this seed falls here.").waitFor();
        return;
      }
      await items.first().waitFor();
      const shown = await items.evaluateAll((els) =>
        els.map((el) => Number(el.getAttribute("data-index"))),
      );
      expect(shown).toEqual(indices.slice(0, 120));
      // Each shows its picture, its label and both predictions with confidences.
      const first = frozen.predictions[indices[0]!]!;
      const caption = await items.first().textContent();
      expect(caption).toContain(`#${first.index} · true ${classOf(first.label)}`);
      expect(caption).toContain(
        `A (Frozen feature extractor): ${classOf(first.predicted)} ${(first.confidence * 100).toFixed(0)}%`,
      );
      const b = full[first.index]!;
      expect(caption).toContain(
        `B (Full fine-tune): ${classOf(b.predicted)} ${(b.confidence * 100).toFixed(0)}%`,
      );
      expect(await items.first().getByRole("img").count()).toBe(1);
    };

    const fixed = frozen.predictions
      .filter((p, i) => p.predicted !== p.label && full[i]!.predicted === p.label)
      .map((p) => p.index);
    const broken = frozen.predictions
      .filter((p, i) => p.predicted === p.label && full[i]!.predicted !== p.label)
      .map((p) => p.index);

    await gallery.getByRole("button", { name: "Fixed by B" }).click();
    await gallery.getByRole("heading", { name: /^Fixed by B: A wrong, B right/ }).waitFor();
    await expectShown(fixed);
    await browser.shot("60-gallery-fixed-by-b");

    await gallery.getByRole("button", { name: "Broken by B" }).click();
    await gallery.getByRole("heading", { name: /^Broken by B: A right, B wrong/ }).waitFor();
    await expectShown(broken);

    // The difference cell that moved most: images of true t predicted p by exactly one of A and B.
    const moved = (t: number, p: number) =>
      frozen.predictions
        .filter((x, i) => x.label === t && (x.predicted === p) !== (full[i]!.predicted === p))
        .map((x) => x.index);
    const cells = frozen.classNames.flatMap((_, t) =>
      frozen.classNames.map((__, p) => ({ t, p, indices: moved(t, p) })),
    );
    const cell = cells.sort((x, y) => y.indices.length - x.indices.length)[0]!;
    await page
      .getByRole("button", {
        name: `Show test images of true ${classOf(cell.t)} predicted ${classOf(cell.p)} by A or B`,
      })
      .click();
    await gallery
      .getByRole("heading", {
        name: new RegExp(`^True ${classOf(cell.t)}, predicted ${classOf(cell.p)} by A or by B`),
      })
      .waitFor();
    await expectShown(cell.indices);
    await browser.shot("61-gallery-difference-cell");

    // The per-class table and the verdict's test are on the same page.
    await page.getByRole("heading", { name: /^Per class: precision, recall, F1/ }).waitFor();
    expect(await page.locator(".verdict").textContent()).toMatch(
      /95% CI -?[\d.]+ to -?[\d.]+, p [=<] [\d.]+, 1 seed, 200 test images \(McNemar\)/,
    );
    expect(browser.pageErrors).toEqual([]);
  }, 300_000);
});
