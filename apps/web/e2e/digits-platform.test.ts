import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { personalToken, startPlatform, tlab, type Platform } from "./platform-harness";

const ADMIN = { email: "platform-admin@example.test", password: "platform admin password" };

// The walking skeleton end to end: `npm start`'s platform (Next.js API + SQLite + one worker over
// HTTP) trains all three strategies for real on a tiny budget.
describe("digits preset through the platform", () => {
  let platform: Platform;
  /** A personal API token of the admin that TLAB_ADMIN_EMAIL created at start, from `tlab login`. */
  let token: string;
  beforeAll(async () => {
    platform = await startPlatform({ admin: ADMIN });
    token = await personalToken(platform.url, ADMIN);
    expect(token).toMatch(/^tlab_pat_/);
  }, 300_000);
  afterAll(async () => platform?.stop());

  it("serves health", async () => {
    const response = await fetch(`${platform.url}/api/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: "ok", db: "sqlite" });
  });

  it("launch --wait --json trains frozen, partial and full above chance on held-out digits", async () => {
    // Without a token the API refuses to launch; with the admin's personal token it launches.
    const anonymous = await tlab(platform.url, ["launch", "--preset", "digits", "--epochs", "1"]);
    expect(anonymous.code).toBe(1);
    expect(anonymous.stderr).toMatch(/sign in, or send a personal API token/);
    const result = await tlab(
      platform.url,
      [
        "launch",
        "--preset",
        "digits",
        "--epochs",
        "2",
        "--train-per-class",
        "60",
        "--wait",
        "--json",
      ],
      { token },
    );
    expect(result.stderr, platform.output()).not.toMatch(/tlab:/);
    const out = JSON.parse(result.stdout) as {
      experimentId: string;
      runs: {
        id: string;
        strategy: string;
        status: string;
        metrics: { testAccuracy?: number; trainableParams?: number };
      }[];
    };
    expect(out.runs.map((r) => r.strategy).sort()).toEqual(["frozen", "full", "partial"]);
    for (const run of out.runs) {
      expect(run.status, `${run.strategy}: ${platform.output().slice(-3000)}`).toBe("SUCCEEDED");
      expect(run.metrics.testAccuracy).toBeGreaterThan(0.5); // chance is 0.2 on five classes
    }
    const trainable = Object.fromEntries(
      out.runs.map((r) => [r.strategy, r.metrics.trainableParams!]),
    );
    expect(trainable.frozen).toBeLessThan(trainable.partial!);
    expect(trainable.partial).toBeLessThan(trainable.full!);

    // Per-epoch metrics arrived over HTTP, once per step.
    const frozen = out.runs.find((r) => r.strategy === "frozen")!;
    const input = encodeURIComponent(JSON.stringify({ runId: frozen.id }));
    const auth = { headers: { authorization: `Bearer ${token}` } };
    expect((await fetch(`${platform.url}/api/trpc/run.metrics?input=${input}`)).status).toBe(401);
    const series = (await (
      await fetch(`${platform.url}/api/trpc/run.metrics?input=${input}`, auth)
    ).json()) as {
      result: { data: { name: string; points: { step: number }[] }[] };
    };
    const valAccuracy = series.result.data.find((s) => s.name === "val/accuracy");
    expect(valAccuracy?.points.map((p) => p.step)).toEqual([1, 2]);

    // The trained model was uploaded as a tfjs model.json + weights.
    expect((await fetch(`${platform.url}/api/artifacts/runs/${frozen.id}/model.json`)).status).toBe(
      401,
    );
    const model = await fetch(`${platform.url}/api/artifacts/runs/${frozen.id}/model.json`, auth);
    expect(model.status).toBe(200);
    expect(((await model.json()) as { weightsManifest: unknown[] }).weightsManifest).toHaveLength(
      1,
    );
  }, 400_000);
});
