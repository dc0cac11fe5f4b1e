import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { workerCredential } from "@tlab/core/access";
import { PRESETS } from "@tlab/core/presets";
import {
  createApiHarness,
  finalMetricsFixture,
  trpcErrorOf,
  workerInfoFixture,
} from "./testing/api-harness";

type Harness = Awaited<ReturnType<typeof createApiHarness>>;
let h: Harness;

/** A caller for a fresh admin-created worker token, and the credential it acts with. */
async function workerTokenCaller(name: string) {
  const { token } = await h.services.tokens.create("worker", h.users.admin, { name });
  const principal = await h.services.tokens.authenticate(token, null);
  if (principal.kind !== "worker")
    throw new Error(`expected a worker principal, got ${principal.kind}`);
  return { api: h.as(principal), credential: workerCredential(principal) };
}

beforeAll(async () => {
  h = await createApiHarness();
});
afterAll(async () => h?.cleanup());

describe("a worker id is bound to the token that registered it", () => {
  it("another worker token cannot act as that worker, and reads only what its own runs need", async () => {
    await h.member.experiment.create({
      ...PRESETS.digits,
      name: "bound",
      strategies: [{ kind: "frozen" }],
    });
    const owner = await workerTokenCaller("owner");
    const intruder = await workerTokenCaller("intruder");
    const worker = await owner.api.worker.register(workerInfoFixture);
    const spec = (await owner.api.worker.claim({ workerId: worker.id }))!;
    expect(spec).not.toBeNull();
    const runId = spec.runId;
    const workerId = worker.id;

    const refused = [
      intruder.api.worker.claim({ workerId }),
      intruder.api.worker.claim({ workerId, reclaim: true }),
      intruder.api.worker.heartbeat({ workerId, runId }),
      intruder.api.worker.reportMetrics({
        workerId,
        runId,
        points: [{ name: "train_loss", step: 1, value: 0 }],
      }),
      intruder.api.worker.complete({
        workerId,
        runId,
        metrics: finalMetricsFixture({ testAccuracy: 1 }),
      }),
      intruder.api.worker.fail({ workerId, runId, reason: "forged", canceled: false }),
      intruder.api.worker.release({ workerId, runId, reason: "forged" }),
      intruder.api.run.appendLog({
        workerId,
        runId,
        attempt: spec.attempt,
        lines: [{ seq: 0, level: "info", message: "forged", time: new Date().toISOString() }],
      }),
      // The server's bootstrap token is a credential of its own, too.
      h.worker.worker.heartbeat({ workerId, runId }),
    ];
    for (const call of refused) {
      const error = await trpcErrorOf(call);
      expect(error.code).toBe("FORBIDDEN");
      expect(error.message).toContain(`worker "${workerId}" was registered with another token`);
    }
    // The artifact upload route's check (it has the run and the X-Tlab-Worker-Id header).
    await expect(
      h.services.runs.assertHolds(intruder.credential, workerId, runId),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(h.services.runs.assertHolds(owner.credential, workerId, runId)).resolves.toEqual({
      cancelRequested: false,
    });
    const run = await h.viewer.run.byId({ runId });
    expect(run.status).toBe("RUNNING");
    expect(run.finalMetrics).toBeNull();
    expect((await h.viewer.run.log({ runId })).lines).toEqual([]);

    // Files: the owner token may read its run's artifacts, base model and dataset; the intruder may not.
    const files = [{ runId }, { baseModelId: spec.baseModel.id }, { datasetId: spec.dataset.id }];
    for (const what of files) {
      expect(await h.services.runs.mayWorkerRead(owner.credential, what)).toBe(true);
      expect(await h.services.runs.mayWorkerRead(intruder.credential, what)).toBe(false);
    }

    // The owner still drives its worker; once the run is over, its files are no longer its to read.
    await owner.api.worker.heartbeat({ workerId, runId });
    await owner.api.worker.complete({ workerId, runId, metrics: finalMetricsFixture() });
    expect((await h.viewer.run.byId({ runId })).status).toBe("SUCCEEDED");
    for (const what of files)
      expect(await h.services.runs.mayWorkerRead(owner.credential, what)).toBe(false);
  });

  it("a worker registered before the binding (no credential) is refused to every token", async () => {
    const worker = await h.worker.worker.register(workerInfoFixture);
    await h.db.worker.update({ where: { id: worker.id }, data: { credential: null } });
    const error = await trpcErrorOf(h.worker.worker.claim({ workerId: worker.id }));
    expect(error.code).toBe("FORBIDDEN");
    expect(error.message).toMatch(/register again/);
  });
});
