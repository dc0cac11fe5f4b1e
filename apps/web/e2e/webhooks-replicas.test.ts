import http from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyWebhookSignature } from "@tlab/api/webhooks/webhook-signature";
import { finalMetricsFixture } from "@tlab/api/testing/api-harness";
import { PRESETS } from "@tlab/core/presets";
import type { RunSpec } from "@tlab/core/run";
import type { CreatedWebhookDto } from "@tlab/core/webhook";
import { testDbProvider } from "@tlab/db/testing/create-test-db";
import { Deployment, type WebReplica } from "./deployment";
import { personalToken } from "./platform-harness";
import { trpc } from "./web-server";

const ADMIN = { email: "hook-replicas@example.test", password: "hook replicas password" };
const EXPERIMENTS = 3;

// Two web replicas on one PostgreSQL database, each running its own delivery loop: the last two
// runs of each experiment end at the same moment, one through each replica, and the receiver gets
// exactly one signed experiment.finished per experiment; a decision recorded on either replica
// arrives once too.
describe.skipIf(testDbProvider() !== "postgresql")(
  "webhooks with two web replicas (PostgreSQL only: SQLite is one replica)",
  () => {
    let deployment: Deployment | undefined;
    let a: WebReplica;
    let b: WebReplica;
    let token = "";
    let hook: CreatedWebhookDto;
    const received: { headers: http.IncomingHttpHeaders; body: string }[] = [];
    const receiver = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
        res.end("ok");
      });
    });

    beforeAll(async () => {
      await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
      deployment = new Deployment({ name: "hooks", admin: ADMIN, leaseMs: 30_000, replicas: 2 });
      await deployment.createDatabase();
      await deployment.startWeb();
      [a, b] = deployment.replicas as [WebReplica, WebReplica];
      token = await personalToken(a.url, ADMIN);
      hook = await trpc<CreatedWebhookDto>(
        a.url,
        "webhook.create",
        {
          url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`,
          events: ["experiment.finished", "decision.recorded"],
        },
        { token, mutation: true },
      );
    }, 300_000);

    afterAll(async () => {
      await deployment?.destroy();
      receiver.closeAllConnections();
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    });

    const worker = async (replica: WebReplica, name: string) =>
      trpc<{ id: string }>(
        replica.url,
        "worker.register",
        { name, hostname: "e2e", backend: "cpu", device: "simulated", versions: {} },
        { token: deployment!.workerToken, mutation: true },
      );
    const asWorker = <T>(replica: WebReplica, procedure: string, input: unknown) =>
      trpc<T>(replica.url, procedure, input, { token: deployment!.workerToken, mutation: true });

    const accepted = (type: string) => received.filter((r) => r.headers["x-tlab-event"] === type);

    it("one signed experiment.finished per experiment, however the replicas race", async () => {
      const onA = await worker(a, "on-a");
      const onB = await worker(b, "on-b");
      const experiments: string[] = [];
      for (let i = 0; i < EXPERIMENTS; i++) {
        const { id } = await trpc<{ id: string }>(
          a.url,
          "experiment.create",
          {
            ...PRESETS["digits-quick"],
            name: `race ${i}`,
            strategies: [{ kind: "frozen" }, { kind: "full" }],
          },
          { token, mutation: true },
        );
        experiments.push(id);
        const specA = (await asWorker<RunSpec>(a, "worker.claim", { workerId: onA.id }))!;
        const specB = (await asWorker<RunSpec>(b, "worker.claim", { workerId: onB.id }))!;
        expect([specA.experimentId, specB.experimentId]).toEqual([id, id]);
        await Promise.all([
          asWorker(a, "worker.complete", {
            workerId: onA.id,
            runId: specA.runId,
            metrics: finalMetricsFixture(),
          }),
          asWorker(b, "worker.complete", {
            workerId: onB.id,
            runId: specB.runId,
            metrics: finalMetricsFixture(),
          }),
        ]);
      }
      const deadline = Date.now() + 60_000;
      while (accepted("experiment.finished").length < EXPERIMENTS && Date.now() < deadline)
        await sleep(200);
      // Both loops keep polling: nothing more may arrive.
      await sleep(5000);
      const finished = accepted("experiment.finished");
      expect(finished.map((r) => JSON.parse(r.body).data.experiment.id).sort()).toEqual(
        [...experiments].sort(),
      );
      for (const request of finished)
        expect(
          verifyWebhookSignature({
            secret: hook.secret,
            rawBody: request.body,
            signature: request.headers["x-tlab-signature"] as string,
            timestamp: request.headers["x-tlab-timestamp"] as string,
          }),
        ).toBe(true);
    });

    it("a decision recorded on either replica arrives once", async () => {
      const [experiment] = await trpc<{ items: { id: string }[] }>(
        b.url,
        "experiment.table",
        {},
        { token },
      ).then((t) => t.items);
      await trpc(
        b.url,
        "review.decide",
        { experimentId: experiment!.id, strategy: "frozen", rationale: "as good, far cheaper" },
        { token, mutation: true },
      );
      const deadline = Date.now() + 30_000;
      while (accepted("decision.recorded").length === 0 && Date.now() < deadline) await sleep(200);
      await sleep(5000);
      expect(accepted("decision.recorded")).toHaveLength(1);
    });
  },
);
