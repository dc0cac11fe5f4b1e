import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_V1_ROUTES, type ApiRoute } from "@tlab/api/http/api-v1-routes";
import type { ComparisonDto, ExperimentDetailDto } from "@tlab/core/dto";
import { NextServerProcess } from "./next-server-process";
import { freePort, personalToken, ROOT } from "./platform-harness";
import { type Browser, browserSkipReason, launchBrowser } from "./web-server";

const ADMIN = { email: "api-admin@example.test", password: "api admin password" };
const CLIENT_DIR = path.join(ROOT, "clients/python");
const EXAMPLE = path.join(CLIENT_DIR, "examples/compare_strategies.py");

// A real server (`next start` on a migrated SQLite database) and the Python client installed
// into a fresh virtual environment with `pip install ./clients/python`, offline: the HTTP API,
// its OpenAPI document, and the client's runs landing in a comparison, across a server restart.
describe("the HTTP API and the Python client against a real server", () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "tlab-api-"));
  const venv = path.join(dataDir, "venv");
  const python = path.join(venv, "bin/python");
  const databaseUrl = `file:${path.join(dataDir, "tlab.db")}`;
  let url: string;
  let port: number;
  let web: NextServerProcess | undefined;
  let token: string;
  /** The experiment the Python script reported, for the browser's look at it. */
  let reportedExperimentId = "";

  const api = async (method: string, apiPath: string, body?: unknown, auth = token) => {
    const response = await fetch(`${url}${apiPath}`, {
      method,
      headers: {
        ...(auth ? { authorization: `Bearer ${auth}` } : {}),
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  };

  /** Runs the example script with the venv's python; resolves with its output once it exits. */
  function runExample(args: string[], onLine?: (line: string) => void) {
    const child = spawn(python, [EXAMPLE, ...args], {
      env: { ...process.env, TLAB_API_URL: url, TLAB_TOKEN: token, PYTHONUNBUFFERED: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      for (const line of d.toString().split("\n")) if (line) onLine?.(line);
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
      child.on("exit", (code) => resolve({ code, stdout, stderr })),
    );
  }

  beforeAll(async () => {
    execFileSync(
      path.join(ROOT, "node_modules/.bin/prisma"),
      ["migrate", "deploy", "--config", "prisma/prisma.config.ts"],
      {
        cwd: ROOT,
        env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: databaseUrl },
        stdio: "pipe",
      },
    );
    execFileSync("python3", ["-m", "venv", venv], { stdio: "pipe" });
    // --no-index: the client installs with nothing from a package index.
    execFileSync(python, ["-m", "pip", "install", "--no-index", "--quiet", CLIENT_DIR], {
      stdio: "pipe",
      env: { ...process.env, PIP_DISABLE_PIP_VERSION_CHECK: "1" },
    });
    port = await freePort();
    url = `http://127.0.0.1:${port}`;
    web = new NextServerProcess({ port, dataDir, databaseUrl, admin: ADMIN });
    await web!.start();
    token = await personalToken(url, ADMIN);
  }, 300_000);

  afterAll(async () => {
    await web?.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("serves an OpenAPI 3.1 document whose request bodies are exactly what the server accepts", async () => {
    const doc = await api("GET", "/api/openapi.json", undefined, "");
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe("3.1.0");
    const routes = Object.entries(API_V1_ROUTES) as [string, ApiRoute][];
    for (const [, route] of routes)
      expect(doc.body.paths[route.path]?.[route.method]).toBeDefined();

    // Ids to fill the path templates: made with the documented examples themselves.
    const ids: Record<string, string> = {};
    const pathOf = (route: ApiRoute) =>
      route.path.replace(/\{(\w+)\}/g, (_, name: string) => ids[name] ?? "missing");
    const exampleOf = (route: ApiRoute) =>
      doc.body.paths[route.path][route.method].requestBody?.content["application/json"].example;
    const order = ["createExperiment", "startRun", "logMetrics", "finishRun"] as const;
    for (const name of order) {
      const route = API_V1_ROUTES[name];
      const example = exampleOf(route);
      const schema = doc.body.paths[route.path].post.requestBody.content["application/json"].schema;
      // Broken: each required field left out, and the first field given the wrong type.
      for (const field of schema.required ?? []) {
        const broken = { ...example };
        delete broken[field];
        const refused = await api("POST", pathOf(route), broken);
        expect(refused.status, `${name} without ${field}`).toBe(400);
        expect(refused.body.error, `${name} without ${field}`).toMatch(new RegExp(`^${field}`));
      }
      const first = Object.keys(schema.properties)[0]!;
      const wrongType = schema.properties[first].type === "string" ? 12 : "twelve";
      const mistyped = await api("POST", pathOf(route), { ...example, [first]: wrongType });
      expect(mistyped.status, `${name} with ${first}: ${wrongType}`).toBe(400);
      expect(mistyped.body.issues[0].path).toBe(first);
      const accepted = await api("POST", pathOf(route), example);
      expect(accepted.status, `${name}: ${JSON.stringify(accepted.body)}`).toBe(
        route.success.status,
      );
      if (name === "createExperiment") ids.experimentId = accepted.body.id;
      if (name === "startRun") ids.runId = accepted.body.id;
    }
    // fail: on a second run (the first has finished, and finishing it again changes nothing).
    expect(
      (await api("POST", `/api/v1/runs/${ids.runId}/finish`, exampleOf(API_V1_ROUTES.finishRun)))
        .status,
    ).toBe(200);
    const second = await api("POST", `/api/v1/experiments/${ids.experimentId}/runs`, {
      strategy: "full",
      seed: 1,
    });
    ids.runId = second.body.id;
    expect((await api("POST", pathOf(API_V1_ROUTES.failRun), {})).body.error).toMatch(/^reason/);
    expect(
      (await api("POST", pathOf(API_V1_ROUTES.failRun), exampleOf(API_V1_ROUTES.failRun))).status,
    ).toBe(200);

    for (const [name, route] of routes) {
      // Every route refuses a request without a token, and answers the documented success to one.
      const anonymous = await api(
        route.method.toUpperCase(),
        pathOf(route),
        route.method === "post" ? {} : undefined,
        "",
      );
      expect(anonymous.status, `${name} without a token`).toBe(401);
      if (route.method === "get") {
        const read = await api("GET", pathOf(route));
        expect(read.status, `${name}: ${JSON.stringify(read.body)}`).toBe(200);
      }
    }
    const missing = await api("GET", "/api/v1/runs/no-such-run");
    expect(missing).toEqual({ status: 404, body: { error: 'runId: no run "no-such-run"' } });
  }, 120_000);

  it("puts the runs a Python script reports into the experiment's comparison", async () => {
    const result = await runExample([
      "--name",
      "python three ways",
      "--epochs",
      "6",
      "--seeds",
      "2",
    ]);
    expect(result.code, result.stderr).toBe(0);
    const { experimentId, runs } = JSON.parse(result.stdout.trim().split("\n").at(-1)!) as {
      experimentId: string;
      runs: string[];
    };
    expect(runs).toHaveLength(6);
    reportedExperimentId = experimentId;
    const experiment = (await api("GET", `/api/v1/experiments/${experimentId}`))
      .body as ExperimentDetailDto;
    expect(experiment.source).toBe("external");
    expect(experiment.baseModelName).toBe("tiny-tanh-8");
    expect(experiment.seeds).toBe(2);
    expect(experiment.epochs).toBe(6);
    expect(experiment.runs.map((r) => [r.strategy, r.seed, r.status, r.reportedByClient])).toEqual([
      ["frozen", 1, "SUCCEEDED", true],
      ["frozen", 2, "SUCCEEDED", true],
      ["full", 1, "SUCCEEDED", true],
      ["full", 2, "SUCCEEDED", true],
      ["partial", 1, "SUCCEEDED", true],
      ["partial", 2, "SUCCEEDED", true],
    ]);
    const comparison = (await api("GET", `/api/v1/experiments/${experimentId}/comparison`))
      .body as ComparisonDto;
    expect(comparison.series).toHaveLength(6);
    for (const s of comparison.series) {
      const names = s.metrics.map((m) => m.name).sort();
      expect(names).toEqual([
        "epoch/seconds",
        "train/accuracy",
        "train/loss",
        "val/accuracy",
        "val/loss",
      ]);
      for (const m of s.metrics) expect(m.points.map((p) => p.step)).toEqual([1, 2, 3, 4, 5, 6]);
    }
    const finals = comparison.finalMetrics ?? {};
    expect(Object.keys(finals).sort()).toEqual([...runs].sort());
    for (const run of experiment.runs) {
      const final = finals[run.id]!;
      // The matrix derived from the 30 test predictions agrees with the accuracy reported.
      const total = final.confusionMatrix.flat().reduce((a, b) => a + b, 0);
      const correct = final.confusionMatrix.reduce((sum, row, k) => sum + row[k]!, 0);
      expect(total).toBe(30);
      expect(correct / total).toBeCloseTo(run.testAccuracy!, 10);
      expect(final.classNames).toEqual(["inner", "middle", "outer"]);
      expect(final.trainableParams).toBeLessThanOrEqual(final.totalParams);
    }
    // frozen trains the head only: fewer trainable parameters than full.
    const params = (s: string) => experiment.runs.find((r) => r.strategy === s)!.trainableParams!;
    expect(params("frozen")).toBeLessThan(params("partial"));
    expect(params("partial")).toBeLessThan(params("full"));
    const detail = (await api("GET", `/api/v1/runs/${runs[0]}`)).body;
    expect(detail.reported.predictions.predictions).toHaveLength(30);
    expect(detail.reported.settings).toMatchObject({ learningRate: 0.05, baseLearningRate: 0.05 });
  }, 180_000);

  it("loses and duplicates nothing when the server restarts mid-run", async () => {
    let epochsSeen = 0;
    const running = runExample(
      [
        "--name",
        "restart",
        "--strategies",
        "full",
        "--seeds",
        "1",
        "--epochs",
        "8",
        "--sleep",
        "0.75",
      ],
      (line) => {
        if (line.startsWith("epoch ")) epochsSeen += 1;
      },
    );
    for (let i = 0; i < 600 && epochsSeen < 2; i++) await sleep(100);
    expect(epochsSeen).toBeGreaterThanOrEqual(2);
    await web!.kill();
    await sleep(3000);
    await web!.start();
    const result = await running;
    expect(result.code, result.stderr).toBe(0);
    const { experimentId, runs } = JSON.parse(result.stdout.trim().split("\n").at(-1)!) as {
      experimentId: string;
      runs: string[];
    };
    const experiment = (await api("GET", `/api/v1/experiments/${experimentId}`))
      .body as ExperimentDetailDto;
    expect(experiment.runs.map((r) => r.id)).toEqual(runs);
    expect(experiment.runs[0]!.status).toBe("SUCCEEDED");
    const series = (await api("GET", `/api/v1/runs/${runs[0]}/metrics`)).body.series as {
      name: string;
      points: { step: number }[];
    }[];
    expect(series).toHaveLength(5);
    for (const s of series) expect(s.points.map((p) => p.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const listed = (await api("GET", "/api/v1/experiments?search=restart")).body.items as unknown[];
    expect(listed).toHaveLength(1);
  }, 180_000);

  it.skipIf(browserSkipReason() !== null)(
    "shows the client's runs like built-in ones, and the API page, in a browser",
    async () => {
      expect(reportedExperimentId).not.toBe("");
      const browser: Browser = await launchBrowser();
      try {
        const { page } = browser;
        await page.goto(`${url}/sign-in`);
        const form = page.getByRole("form", { name: "Sign in" });
        await form.getByLabel("Email", { exact: true }).fill(ADMIN.email);
        await form.getByLabel("Password", { exact: true }).fill(ADMIN.password);
        await form.getByRole("button").click();
        await page.waitForURL((u) => !/\/sign-(in|up)/.test(u.pathname), { timeout: 30_000 });

        await page.goto(`${url}/experiments/${reportedExperimentId}`);
        await page.getByText("reported by a client").first().waitFor();
        const header = page.locator("header.experiment-header");
        expect(await header.textContent()).toContain("tiny-tanh-8");
        // The same comparison as a built-in experiment: a verdict, one summary row per strategy.
        await page.getByRole("region", { name: "Strategies compared" }).waitFor();
        await browser.shot("60-external-experiment");
        await page.locator("p.verdict", { hasText: /most accurate/ }).waitFor();
        const summary = page.getByRole("region", { name: "Strategies compared" });
        for (const name of ["Frozen feature extractor", "Partial fine-tune", "Full fine-tune"])
          expect(await summary.getByRole("row", { name: new RegExp(`^${name}`) }).count()).toBe(1);
        expect(
          await page
            .getByRole("region", { name: "Confusion matrices (test set)" })
            .getByRole("table")
            .count(),
        ).toBeGreaterThan(0);
        const runs = page.getByRole("region", { name: "Runs" });
        expect(await runs.getByText("reported by a client").count()).toBe(6);
        await browser.shot("60-external-experiment");

        // A run's page: marked as reported, with the settings its client declared, as given.
        await runs
          .getByRole("row", { name: /Partial fine-tune/ })
          .first()
          .getByRole("link", { name: "Details" })
          .click();
        await page
          .getByText("reported by the client: cut hidden[4:], lr 0.05, base lr 0.05")
          .waitFor();
        expect(await page.getByText("reported by a client").count()).toBeGreaterThan(0);

        await page.goto(`${url}/api-reference`);
        await page.getByRole("heading", { name: "API", exact: true }).waitFor();
        for (const route of Object.values(API_V1_ROUTES))
          await page
            .getByRole("heading", {
              name: `${route.method.toUpperCase()} ${route.path}`,
              exact: true,
            })
            .waitFor();
        expect(await page.getByText("testAccuracy", { exact: true }).count()).toBeGreaterThan(0);
        await browser.shot("61-api-page");
        expect(browser.pageErrors).toEqual([]);
      } finally {
        await browser.close();
      }
    },
    120_000,
  );
});
