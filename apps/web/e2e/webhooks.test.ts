import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUILTIN_BASE_MODEL, PRESETS } from "@tlab/core/presets";
import type { CreatedWebhookDto, WebhookDeliveryDto } from "@tlab/core/webhook";
import { verifyWebhookSignature } from "@tlab/api/webhooks/webhook-signature";
import { NextServerProcess } from "./next-server-process";
import { freePort, personalToken, ROOT } from "./platform-harness";
import { writeFakeBaseModel } from "./fixtures/fake-base-model";
import { finishAllRuns } from "./simulated-worker";
import { browserSkipReason, trpc, type WebServer } from "./web-server";

const ADMIN = { email: "hooks-admin@example.test", password: "webhook admin password" };
const skip = browserSkipReason();

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
  answered: number;
}

/** A receiver on an ephemeral port; `status(n)` is the answer to its n-th request. */
async function startReceiver(status: (n: number) => number) {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const answered = status(received.length + 1);
      received.push({
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
        answered,
      });
      res.statusCode = answered;
      res.end(answered < 300 ? "thanks" : "not now");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    /** Requests answered 2xx, by event id. */
    accepted: (eventId: string) =>
      received.filter((r) => r.answered < 300 && r.headers["x-tlab-event-id"] === eventId),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function until<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  ms = 60_000,
) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

// A real server (next start, SQLite) and receivers on this machine: one signed delivery per
// finished experiment, a receiver that fails at first gets it after retries, and a delivery still
// pending when the server is killed is delivered once by the restarted server.
describe.skipIf(skip !== null)("webhooks against a real server", () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "tlab-webhooks-"));
  const databaseUrl = `file:${path.join(dataDir, "tlab.db")}`;
  let port: number;
  let url: string;
  let web: NextServerProcess | undefined;
  let token: string;
  let steady: Awaited<ReturnType<typeof startReceiver>>;
  let flaky: Awaited<ReturnType<typeof startReceiver>>;
  let steadyDown = false;
  let steadyHook: CreatedWebhookDto;
  let flakyHook: CreatedWebhookDto;

  const server = (): WebServer => ({
    url,
    dataDir,
    log: () => web?.log() ?? "",
    workerToken: () => readFileSync(path.join(dataDir, "worker-token"), "utf8").trim(),
    stop: async () => web?.kill(),
  });

  const api = <T>(procedure: string, input: unknown, mutation = false) =>
    trpc<T>(url, procedure, input, { token, mutation });

  async function launchAndFinish(name: string): Promise<string> {
    const { id } = await api<{ id: string }>(
      "experiment.create",
      { ...PRESETS["digits-quick"], name, strategies: [{ kind: "frozen" }, { kind: "full" }] },
      true,
    );
    expect(await finishAllRuns(server())).toBe(2);
    return id;
  }

  /** The event id of the experiment.finished delivery about `experimentId`, once the steady receiver has seen it. */
  const eventIdFor = (experimentId: string) =>
    until(`a delivery about ${experimentId}`, () => {
      const hit = steady.received.find(
        (r) => JSON.parse(r.body).data.experiment.id === experimentId,
      );
      return hit?.headers["x-tlab-event-id"] as string | undefined;
    });

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
    // The built-in base model, so experiments can be launched (runs are finished by a simulated worker).
    const baseModels = path.join(ROOT, "apps/trainer/assets/base-models");
    if (existsSync(path.join(baseModels, BUILTIN_BASE_MODEL)))
      cpSync(baseModels, path.join(dataDir, "base-models"), { recursive: true });
    else
      writeFakeBaseModel(path.join(dataDir, "base-models", BUILTIN_BASE_MODEL), BUILTIN_BASE_MODEL);
    steady = await startReceiver(() => (steadyDown ? 503 : 200));
    flaky = await startReceiver((n) => (n <= 2 ? 500 : 200));
    port = await freePort();
    url = `http://127.0.0.1:${port}`;
    // Fast polling and retries, so deliveries and their backoff fit in a test; health within 60 s.
    web = new NextServerProcess({
      port,
      dataDir,
      databaseUrl,
      admin: ADMIN,
      env: { TLAB_WEBHOOK_POLL_MS: "200", TLAB_WEBHOOK_RETRY_BASE_MS: "300" },
      healthPolls: 240,
    });
    await web.start();
    token = await personalToken(url, ADMIN);
    steadyHook = await api<CreatedWebhookDto>(
      "webhook.create",
      { url: steady.url, events: ["experiment.finished"], description: "steady" },
      true,
    );
    flakyHook = await api<CreatedWebhookDto>(
      "webhook.create",
      { url: flaky.url, events: ["experiment.finished", "decision.recorded"] },
      true,
    );
  }, 300_000);

  afterAll(async () => {
    await web?.kill();
    await steady?.close();
    await flaky?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("delivers one signed event per finished experiment, to a failing receiver after retries", async () => {
    const experimentId = await launchAndFinish("hooked");
    const eventId = await eventIdFor(experimentId);
    const delivered = steady.accepted(eventId);
    expect(delivered).toHaveLength(1);
    const [request] = delivered;
    expect(
      verifyWebhookSignature({
        secret: steadyHook.secret,
        rawBody: request!.body,
        signature: request!.headers["x-tlab-signature"] as string,
        timestamp: request!.headers["x-tlab-timestamp"] as string,
      }),
    ).toBe(true);
    expect(JSON.parse(request!.body)).toMatchObject({
      id: eventId,
      type: "experiment.finished",
      data: { experiment: { id: experimentId, name: "hooked" }, counts: { runs: 2, succeeded: 2 } },
    });

    // The flaky receiver answered 500 twice, then 200: three attempts, one idempotency key.
    await until(
      "the flaky receiver's delivery",
      () => flaky.accepted(eventId).length === 1 || undefined,
    );
    const attempts = flaky.received.filter((r) => r.headers["x-tlab-event-id"] === eventId);
    expect(attempts.map((r) => r.answered)).toEqual([500, 500, 200]);
    expect(new Set(attempts.map((r) => r.headers["idempotency-key"])).size).toBe(1);
    for (const attempt of attempts)
      expect(
        verifyWebhookSignature({
          secret: flakyHook.secret,
          rawBody: attempt.body,
          signature: attempt.headers["x-tlab-signature"] as string,
          timestamp: attempt.headers["x-tlab-timestamp"] as string,
        }),
      ).toBe(true);
    const deliveries = await api<WebhookDeliveryDto[]>("webhook.deliveries", {
      webhookId: flakyHook.webhook.id,
    });
    expect(deliveries.find((d) => d.eventId === eventId)).toMatchObject({
      status: "delivered",
      attempts: 3,
      lastStatusCode: 200,
    });
    // Nothing more arrives for it later.
    await sleep(1500);
    expect(steady.received.filter((r) => r.headers["x-tlab-event-id"] === eventId)).toHaveLength(1);
  });

  it("a delivery pending when the server is killed is delivered once after the restart", async () => {
    steadyDown = true;
    const before = steady.received.length;
    const experimentId = await launchAndFinish("across a restart");
    const eventId = await eventIdFor(experimentId);
    // Its first attempt failed (503): the delivery is pending, with a retry scheduled.
    expect(steady.received.slice(before).map((r) => r.answered)).toContain(503);
    await web!.kill();
    steadyDown = false;
    const whileDown = steady.received.length;
    await sleep(1000);
    expect(steady.received.length).toBe(whileDown);
    await web!.start();
    await until(
      "the delivery after the restart",
      () => steady.accepted(eventId).length === 1 || undefined,
    );
    await sleep(2000);
    expect(steady.accepted(eventId)).toHaveLength(1);
    const deliveries = await api<WebhookDeliveryDto[]>("webhook.deliveries", {
      webhookId: steadyHook.webhook.id,
    });
    expect(deliveries.find((d) => d.eventId === eventId)).toMatchObject({ status: "delivered" });
    // One experiment.finished event per experiment, each accepted once by the steady receiver.
    const finishedEvents = new Set(
      steady.received.filter((r) => r.answered < 300).map((r) => r.headers["x-tlab-event-id"]),
    );
    expect(finishedEvents.size).toBe(2);
  });
});
