import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PRESETS } from "@tlab/core/presets";
import { createApiHarness, workerInfoFixture } from "./testing/api-harness";

// The workers page through worker.list: online or offline against the server's lease, online
// first, and a worker restarted under its name listed once.

type Harness = Awaited<ReturnType<typeof createApiHarness>>;
let h: Harness;
let clock: Date;
const LEASE_MS = 10_000;

beforeEach(async () => {
  clock = new Date("2026-01-01T00:00:00Z");
  h = await createApiHarness({ leaseMs: LEASE_MS, now: () => clock });
});
afterEach(async () => h.cleanup());

const advance = (ms: number) => (clock = new Date(clock.getTime() + ms));
const rows = async () =>
  (await h.viewer.worker.list()).map((w) => ({
    name: w.name,
    online: w.online,
    lastSeenAt: w.lastSeenAt,
  }));

describe("worker.list", () => {
  it("says a worker is online while it is seen within the lease, and offline since it was last seen after that", async () => {
    const a = await h.worker.worker.register({ ...workerInfoFixture, name: "a" });
    await h.worker.worker.register({ ...workerInfoFixture, name: "b" });
    const registeredAt = clock.toISOString();
    advance(4_000);
    // An idle worker polls for work, and each poll counts as seen.
    expect(await h.worker.worker.claim({ workerId: a.id })).toBeNull();
    const aSeenAt = clock.toISOString();
    advance(LEASE_MS - 4_000 + 1);
    // b stopped a lease ago; a polled since. Online first.
    expect(await rows()).toEqual([
      { name: "a", online: true, lastSeenAt: aSeenAt },
      { name: "b", online: false, lastSeenAt: registeredAt },
    ]);
    advance(LEASE_MS);
    expect(await rows()).toEqual([
      { name: "a", online: false, lastSeenAt: aSeenAt },
      { name: "b", online: false, lastSeenAt: registeredAt },
    ]);
  });

  it("lists a worker restarted under the same name once, by its latest registration, online or not", async () => {
    await h.worker.worker.register({ ...workerInfoFixture, name: "gpu" });
    advance(LEASE_MS * 3);
    const second = await h.worker.worker.register({ ...workerInfoFixture, name: "gpu" });
    expect((await h.viewer.worker.list()).map((w) => [w.id, w.online])).toEqual([
      [second.id, true],
    ]);
    advance(LEASE_MS * 3);
    const third = await h.worker.worker.register({ ...workerInfoFixture, name: "gpu" });
    advance(LEASE_MS * 2);
    // All stopped: the latest registration stands for the name.
    expect((await h.viewer.worker.list()).map((w) => [w.id, w.online])).toEqual([
      [third.id, false],
    ]);
  });

  it("keeps listing an older registration that still holds a run, so the run's page can name its worker", async () => {
    await h.user.experiment.create({
      ...PRESETS.digits,
      name: "e",
      strategies: [PRESETS.digits.strategies[0]!],
      seeds: 1,
    });
    const stuck = await h.worker.worker.register({ ...workerInfoFixture, name: "gpu" });
    const spec = await h.worker.worker.claim({ workerId: stuck.id });
    expect(spec).not.toBeNull();
    advance(LEASE_MS * 2);
    const restarted = await h.worker.worker.register({ ...workerInfoFixture, name: "gpu" });
    const listed = await h.viewer.worker.list();
    expect(listed.map((w) => [w.id, w.online, w.currentRun?.id ?? null])).toEqual([
      [restarted.id, true, null],
      [stuck.id, false, spec!.runId],
    ]);
  });
});
