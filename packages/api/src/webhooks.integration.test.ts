import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PRESETS } from "@tlab/core/presets";
import { createServices } from "./services/create-services";
import type { RunServiceOptions } from "./services/run-service";
import type { WebhookDeliveryOptions } from "./services/webhook-service";
import {
  createApiHarness,
  finalMetricsFixture,
  trpcErrorOf,
  workerInfoFixture,
} from "./testing/api-harness";
import { verifyWebhookSignature } from "./webhooks/webhook-signature";

const SERVER_SECRET = "test-server-secret-0123456789abcdef";

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A real HTTP receiver on an ephemeral port; `answer` decides each response. */
async function startReceiver(
  answer: (n: number, req: http.IncomingMessage, res: http.ServerResponse) => void = (
    _n,
    _req,
    res,
  ) => res.end("ok"),
) {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      answer(received.length, req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

type Harness = Awaited<ReturnType<typeof createApiHarness>>;
let h: Harness;
let receivers: Awaited<ReturnType<typeof startReceiver>>[];

async function harness(webhooks: WebhookDeliveryOptions = {}, runs: RunServiceOptions = {}) {
  h = await createApiHarness({
    ...runs,
    webhooks: { retryBaseMs: 20, timeoutMs: 2000, ...webhooks },
  });
  return h;
}

async function receiver(answer?: Parameters<typeof startReceiver>[0]) {
  const r = await startReceiver(answer);
  receivers.push(r);
  return r;
}

beforeEach(() => {
  receivers = [];
});
afterEach(async () => {
  await Promise.all(receivers.map((r) => r.close()));
  await h?.cleanup();
});

async function launch(name: string, strategies: ("frozen" | "partial" | "full")[]) {
  const { id } = await h.member.experiment.create({
    ...PRESETS.digits,
    name,
    strategies: strategies.map((kind) => ({ kind })),
  });
  return id;
}

async function registerWorker(name = "w") {
  return h.worker.worker.register({ ...workerInfoFixture, name });
}

/** Claims one queued run and finishes it (succeeded, or failed with a reason). */
async function trainOne(workerId: string, outcome: "succeeded" | "failed" = "succeeded") {
  const spec = (await h.worker.worker.claim({ workerId }))!;
  if (outcome === "succeeded")
    await h.worker.worker.complete({ workerId, runId: spec.runId, metrics: finalMetricsFixture() });
  else await h.worker.worker.fail({ workerId, runId: spec.runId, reason: "diverged" });
  return spec.runId;
}

/** Runs the delivery loop until nothing is due or `until` holds. */
async function deliverUntil(until: () => boolean | Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await until())) {
    if (Date.now() > deadline) throw new Error("deliveries did not settle in time");
    await h.services.webhooks.deliverDue();
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("registering webhooks", () => {
  it("shows the secret once, keeps it sealed, and names the field of a bad input", async () => {
    await harness();
    const created = await h.admin.webhook.create({
      url: "http://127.0.0.1:9/hook",
      events: ["experiment.finished"],
      description: "CI",
    });
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(created.webhook).toMatchObject({ url: "http://127.0.0.1:9/hook", enabled: true });
    const listed = await h.admin.webhook.list();
    expect(JSON.stringify(listed)).not.toContain(created.secret);
    const row = await h.db.webhook.findUniqueOrThrow({ where: { id: created.webhook.id } });
    expect(row.secretEncrypted).not.toContain(created.secret);
    expect(row.secretEncrypted).toMatch(/^v1:/);

    const bad = async (input: object) =>
      (await trpcErrorOf(h.admin.webhook.create(input as never))).message;
    expect(await bad({ url: "ftp://example.com/x", events: ["experiment.finished"] })).toMatch(
      /url: must be an http:\/\/ or https:\/\/ URL/,
    );
    expect(
      await bad({ url: `https://e.com/${"a".repeat(2100)}`, events: ["decision.recorded"] }),
    ).toMatch(/url: at most 2048 characters/);
    expect(await bad({ url: "https://u:p@e.com/", events: ["decision.recorded"] })).toMatch(
      /url: must not carry a user name or password/,
    );
    expect(await bad({ url: "https://e.com/", events: [] })).toMatch(/events: choose at least one/);
    expect(await bad({ url: "https://e.com/", events: ["run.started"] })).toMatch(
      /events: each must be one of experiment.finished, decision.recorded/,
    );
    expect(
      await bad({ url: "https://e.com/", events: ["decision.recorded"], secret: "short" }),
    ).toMatch(/secret: at least 24 characters/);
    expect((await trpcErrorOf(h.member.webhook.list())).code).toBe("FORBIDDEN");
  });
});

describe("experiment.finished", () => {
  it("is queued once, when the last run ends, and again (a new event) when a retried run ends", async () => {
    await harness();
    const r = await receiver();
    const { webhook, secret } = await h.admin.webhook.create({
      url: r.url,
      events: ["experiment.finished"],
    });
    const experimentId = await launch("two runs", ["frozen", "full"]);
    const worker = await registerWorker();

    await trainOne(worker.id);
    expect(await h.db.webhookEvent.count()).toBe(0);
    const failedRun = await trainOne(worker.id, "failed");
    const events = await h.db.webhookEvent.findMany();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: "experiment.finished",
      subjectId: experimentId,
      sequence: 1,
    });

    await deliverUntil(() => r.received.length === 1);
    const [first] = r.received;
    expect(
      verifyWebhookSignature({
        secret,
        rawBody: first!.body,
        signature: first!.headers["x-tlab-signature"] as string,
        timestamp: first!.headers["x-tlab-timestamp"] as string,
      }),
    ).toBe(true);
    expect(
      verifyWebhookSignature({
        secret: "someone-elses-secret-0123456789",
        rawBody: first!.body,
        signature: first!.headers["x-tlab-signature"] as string,
        timestamp: first!.headers["x-tlab-timestamp"] as string,
      }),
    ).toBe(false);
    const body = JSON.parse(first!.body);
    expect(body).toMatchObject({
      id: events[0]!.id,
      type: "experiment.finished",
      data: {
        experiment: { id: experimentId, name: "two runs" },
        counts: { runs: 2, succeeded: 1, failed: 1, canceled: 0 },
      },
    });
    expect(first!.headers["x-tlab-event-id"]).toBe(events[0]!.id);
    const [delivery] = await h.admin.webhook.deliveries({ webhookId: webhook.id });
    expect(first!.headers["idempotency-key"]).toBe(delivery!.id);
    expect(delivery).toMatchObject({
      status: "delivered",
      attempts: 1,
      lastStatusCode: 200,
      responseExcerpt: "ok",
    });

    // Retried and finished again: the experiment finishes a second time, reported as a new event.
    await h.member.run.retry({ runId: failedRun });
    expect(await h.db.webhookEvent.count()).toBe(1);
    await trainOne(worker.id);
    await deliverUntil(() => r.received.length === 2);
    const second = JSON.parse(r.received[1]!.body);
    expect(second.id).not.toBe(body.id);
    expect(second.data.counts).toMatchObject({ succeeded: 2, failed: 0 });
    expect(
      (await h.db.webhookEvent.findMany({ orderBy: { sequence: "asc" } })).map((e) => e.sequence),
    ).toEqual([1, 2]);
  });

  it("a canceled queued run can be the one that finishes the experiment", async () => {
    await harness();
    await h.admin.webhook.create({ url: "http://127.0.0.1:9/x", events: ["experiment.finished"] });
    const experimentId = await launch("cancel", ["frozen", "full"]);
    const worker = await registerWorker();
    await trainOne(worker.id);
    const queued = (await h.viewer.experiment.byId({ experimentId: experimentId })).runs.find(
      (run) => run.status === "QUEUED",
    )!;
    await h.member.run.cancel({ runId: queued.id });
    const [event] = await h.db.webhookEvent.findMany();
    expect(JSON.parse(event!.payload).counts).toMatchObject({ succeeded: 1, canceled: 1 });
  });

  it("the sweeper failing a run for good after its last lease can finish the experiment", async () => {
    let clock = new Date();
    await harness({}, { now: () => clock, leaseMs: 1000 });
    await h.admin.webhook.create({ url: "http://127.0.0.1:9/x", events: ["experiment.finished"] });
    const experimentId = await launch("abandoned", ["frozen"]);
    const worker = await registerWorker();
    for (let attempt = 1; attempt <= 3; attempt++) {
      expect(await h.worker.worker.claim({ workerId: worker.id })).not.toBeNull();
      expect(await h.db.webhookEvent.count()).toBe(0);
      clock = new Date(clock.getTime() + 1001);
      await h.services.runs.sweepExpiredLeases();
    }
    const [event] = await h.db.webhookEvent.findMany();
    expect(event).toMatchObject({ type: "experiment.finished", subjectId: experimentId });
    expect(JSON.parse(event!.payload).runs[0]).toMatchObject({ status: "FAILED", attempt: 3 });
  });

  it("runs ending at the same moment on two replicas queue one event per experiment", async () => {
    await harness();
    await h.admin.webhook.create({ url: "http://127.0.0.1:9/x", events: ["experiment.finished"] });
    const replica = createServices(h.replicaDb(), { webhooks: { secretKey: SERVER_SECRET } });
    const experiments: string[] = [];
    for (let i = 0; i < 4; i++) experiments.push(await launch(`race ${i}`, ["frozen", "full"]));
    // Two workers hold the two runs of each experiment in turn and end them at once, one through
    // each replica's services.
    for (const experimentId of experiments) {
      const a = await registerWorker("a");
      const b = await registerWorker("b");
      const specA = (await h.worker.worker.claim({ workerId: a.id }))!;
      const specB = (await h.worker.worker.claim({ workerId: b.id }))!;
      expect([specA.experimentId, specB.experimentId]).toEqual([experimentId, experimentId]);
      await Promise.all([
        h.services.runs.complete("bootstrap", a.id, specA.runId, finalMetricsFixture()),
        replica.runs.complete("bootstrap", b.id, specB.runId, finalMetricsFixture()),
      ]);
    }
    const events = await h.db.webhookEvent.findMany({ select: { subjectId: true } });
    expect(events.map((e) => e.subjectId).sort()).toEqual([...experiments].sort());
  });
});

describe("decision.recorded", () => {
  it("is queued with the decision, only for webhooks that subscribe to it", async () => {
    await harness();
    const r = await receiver();
    await h.admin.webhook.create({ url: r.url, events: ["decision.recorded"] });
    await h.admin.webhook.create({ url: "http://127.0.0.1:9/x", events: ["experiment.finished"] });
    const experimentId = await launch("decide", ["frozen"]);
    const decision = await h.member.review.decide({
      experimentId,
      strategy: "frozen",
      rationale: "cheapest within a point",
    });
    expect(await h.db.webhookDelivery.count()).toBe(1);
    await deliverUntil(() => r.received.length === 1);
    expect(JSON.parse(r.received[0]!.body)).toMatchObject({
      type: "decision.recorded",
      data: {
        experiment: { id: experimentId, name: "decide" },
        decision: { id: decision.id, strategy: "frozen", rationale: "cheapest within a point" },
      },
    });
  });
});

describe("delivery", () => {
  it("retries a failing receiver with growing waits, then delivers with the same idempotency key", async () => {
    // The service's clock is the test's: "not due yet" must not depend on the machine's speed.
    let clock = new Date();
    await harness({ retryBaseMs: 60_000, now: () => clock });
    const r = await receiver((n, _req, res) => {
      res.statusCode = n <= 2 ? 503 : 204;
      res.end(n <= 2 ? "x".repeat(5000) : "");
    });
    const { webhook } = await h.admin.webhook.create({ url: r.url, events: ["decision.recorded"] });
    await h.admin.webhook.sendTest({ id: webhook.id });
    const waits: number[] = [];
    const attempt = async () => {
      await h.services.webhooks.deliverDue();
      const [delivery] = await h.admin.webhook.deliveries({});
      if (delivery!.nextAttemptAt)
        waits.push(new Date(delivery!.nextAttemptAt).getTime() - clock.getTime());
      return delivery!;
    };
    let delivery = await attempt();
    expect(delivery).toMatchObject({ status: "pending", attempts: 1, lastStatusCode: 503 });
    expect(delivery.lastError).toMatch(/answered 503/);
    expect(delivery.responseExcerpt!.length).toBeLessThanOrEqual(512);
    // Not due before its backoff has passed.
    clock = new Date(clock.getTime() + 59_000);
    await h.services.webhooks.deliverDue();
    expect(r.received).toHaveLength(1);
    clock = new Date(clock.getTime() + 60_000 * 1.2);
    delivery = await attempt();
    expect(delivery).toMatchObject({ status: "pending", attempts: 2 });
    clock = new Date(clock.getTime() + 120_000 * 1.2 + 1);
    delivery = await attempt();
    expect(delivery).toMatchObject({ status: "delivered", attempts: 3, lastStatusCode: 204 });
    expect(r.received).toHaveLength(3);
    // The second wait is about twice the first (each with up to 20% jitter).
    expect(waits).toHaveLength(2);
    expect(waits[0]!).toBeGreaterThanOrEqual(60_000);
    expect(waits[0]!).toBeLessThanOrEqual(72_000);
    expect(waits[1]!).toBeGreaterThanOrEqual(120_000);
    expect(waits[1]!).toBeLessThanOrEqual(144_000);
    expect(new Set(r.received.map((x) => x.headers["idempotency-key"])).size).toBe(1);
    expect(new Set(r.received.map((x) => x.headers["x-tlab-event-id"])).size).toBe(1);
    expect(JSON.parse(r.received[0]!.body).type).toBe("webhook.test");
  });

  it("gives up after the last attempt, never follows redirects, and times out", async () => {
    await harness({ maxAttempts: 2, timeoutMs: 300 });
    const target = await receiver();
    const redirecting = await receiver((_n, _req, res) => {
      res.statusCode = 302;
      res.setHeader("location", target.url);
      res.end();
    });
    const silent = await receiver(() => undefined);
    const a = await h.admin.webhook.create({ url: redirecting.url, events: ["decision.recorded"] });
    const b = await h.admin.webhook.create({ url: silent.url, events: ["decision.recorded"] });
    await h.admin.webhook.sendTest({ id: a.webhook.id });
    await h.admin.webhook.sendTest({ id: b.webhook.id });
    await deliverUntil(async () =>
      (await h.admin.webhook.deliveries({})).every((d) => d.status === "failed"),
    );
    const byWebhook = async (id: string) =>
      (await h.admin.webhook.deliveries({ webhookId: id }))[0]!;
    const redirected = await byWebhook(a.webhook.id);
    expect(redirected).toMatchObject({ status: "failed", attempts: 2, lastStatusCode: 302 });
    expect(redirected.lastError).toMatch(/redirects are not followed/);
    expect(target.received).toHaveLength(0);
    const timedOut = await byWebhook(b.webhook.id);
    expect(timedOut).toMatchObject({ status: "failed", attempts: 2, lastStatusCode: null });
    expect(timedOut.lastError).toMatch(/no answer within 300 ms/);
    expect((await h.admin.webhook.list()).find((w) => w.id === a.webhook.id)!.counts).toEqual({
      pending: 0,
      delivered: 0,
      failed: 1,
    });
  });

  it("two replicas polling at once send each delivery once", async () => {
    await harness();
    const r = await receiver();
    const { webhook } = await h.admin.webhook.create({ url: r.url, events: ["decision.recorded"] });
    for (let i = 0; i < 12; i++) await h.admin.webhook.sendTest({ id: webhook.id });
    const replica = createServices(h.replicaDb(), {
      webhooks: { secretKey: SERVER_SECRET, batchSize: 5 },
    });
    for (let pass = 0; pass < 5; pass++)
      await Promise.all([h.services.webhooks.deliverDue(), replica.webhooks.deliverDue()]);
    expect(r.received).toHaveLength(12);
    expect(new Set(r.received.map((x) => x.headers["idempotency-key"])).size).toBe(12);
  });

  it("a claim whose sender died is taken over after it runs out; the old claim records nothing", async () => {
    await harness();
    const { webhook } = await h.admin.webhook.create({
      url: "http://127.0.0.1:9/x",
      events: ["decision.recorded"],
    });
    await h.admin.webhook.sendTest({ id: webhook.id });
    const repo = (
      h.services.webhooks as unknown as {
        webhooks: import("@tlab/db/repositories/webhook-repository").WebhookRepository;
      }
    ).webhooks;
    const now = new Date();
    const [stale] = await repo.claimDue(now, new Date(now.getTime() + 1000), 10, () => "stale");
    expect(stale).toBeDefined();
    expect(await repo.claimDue(now, new Date(now.getTime() + 1000), 10, () => "x")).toEqual([]);
    const later = new Date(now.getTime() + 1001);
    const [taken] = await repo.claimDue(later, new Date(later.getTime() + 1000), 10, () => "fresh");
    expect(taken).toMatchObject({ id: stale!.id, attempts: 2, claimToken: "fresh" });
    expect(
      await repo.recordOutcome(stale!.id, "stale", later, {
        delivered: true,
        statusCode: 200,
        responseExcerpt: null,
      }),
    ).toBe(false);
    expect(
      await repo.recordOutcome(taken!.id, "fresh", later, {
        delivered: true,
        statusCode: 200,
        responseExcerpt: null,
      }),
    ).toBe(true);
  });

  it("a disabled webhook gets no new events and its pending deliveries wait; deleting removes them", async () => {
    await harness();
    const r = await receiver();
    const { webhook } = await h.admin.webhook.create({ url: r.url, events: ["decision.recorded"] });
    const experimentId = await launch("d", ["frozen"]);
    await h.member.review.decide({ experimentId, strategy: null, rationale: "first" });
    await h.admin.webhook.setEnabled({ id: webhook.id, enabled: false });
    await h.member.review.decide({ experimentId, strategy: null, rationale: "second" });
    expect(await h.db.webhookDelivery.count()).toBe(1);
    await h.services.webhooks.deliverDue();
    expect(r.received).toHaveLength(0);
    expect((await trpcErrorOf(h.admin.webhook.sendTest({ id: webhook.id }))).message).toMatch(
      /disabled/,
    );
    await h.admin.webhook.setEnabled({ id: webhook.id, enabled: true });
    await deliverUntil(() => r.received.length === 1);
    await h.admin.webhook.remove({ id: webhook.id });
    expect(await h.db.webhookDelivery.count()).toBe(0);
    expect((await trpcErrorOf(h.admin.webhook.remove({ id: webhook.id }))).code).toBe("NOT_FOUND");
  });

  it("forgets settled deliveries after the retention period, keeping pending ones and their events", async () => {
    let clock = new Date();
    await harness({ now: () => clock, maxAttempts: 1 });
    const r = await receiver((n, _req, res) => {
      res.statusCode = n === 1 ? 200 : 500;
      res.end();
    });
    const { webhook } = await h.admin.webhook.create({ url: r.url, events: ["decision.recorded"] });
    await h.admin.webhook.sendTest({ id: webhook.id });
    await h.admin.webhook.sendTest({ id: webhook.id });
    await h.services.webhooks.deliverDue(); // one delivered, one failed (a single attempt allowed)
    // A delivery still pending (its receiver down for days) is kept past the retention.
    await h.db.webhookDelivery.create({
      data: {
        webhookId: webhook.id,
        eventId: (
          await h.db.webhookEvent.create({
            data: {
              type: "webhook.test",
              subjectId: webhook.id,
              sequence: 99,
              payload: "{}",
              createdAt: clock,
            },
          })
        ).id,
        createdAt: clock,
        nextAttemptAt: new Date(clock.getTime() + 10 * 86_400_000),
      },
    });
    expect((await h.admin.webhook.deliveries({})).map((d) => d.status).sort()).toEqual([
      "delivered",
      "failed",
      "pending",
    ]);
    expect(await h.services.webhooks.pruneSettled()).toEqual({ deliveries: 0, events: 0 });
    clock = new Date(clock.getTime() + 31 * 86_400_000);
    expect(await h.services.webhooks.pruneSettled()).toEqual({ deliveries: 2, events: 2 });
    expect((await h.admin.webhook.deliveries({})).map((d) => d.status)).toEqual(["pending"]);
    expect(await h.db.webhookEvent.count()).toBe(1);
  });
});
