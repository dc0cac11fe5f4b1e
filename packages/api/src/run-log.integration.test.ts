import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PRESETS } from "@tlab/core/presets";
import {
  RUN_LOG_MAX_LINES,
  RUN_LOG_MAX_MESSAGE_CHARS,
  type RunLogLineInput,
} from "@tlab/core/run-log";
import { createApiHarness, trpcErrorOf, workerInfoFixture } from "./testing/api-harness";

type Harness = Awaited<ReturnType<typeof createApiHarness>>;
let h: Harness;
let clock: Date;

beforeEach(async () => {
  clock = new Date("2026-01-01T00:00:00Z");
  h = await createApiHarness({ leaseMs: 10_000, now: () => clock });
});
afterEach(async () => h.cleanup());

const workerInfo = workerInfoFixture;
const line = (
  seq: number,
  message = `line ${seq}`,
  level: RunLogLineInput["level"] = "info",
): RunLogLineInput => ({
  seq,
  level,
  message,
  time: new Date(Date.UTC(2026, 0, 1, 0, 0, 0, seq)).toISOString(),
});

/** One queued run claimed by a fresh worker. */
async function claimedRun() {
  await h.user.experiment.create({
    ...PRESETS.digits,
    name: "logs",
    strategies: [{ kind: "frozen" }],
  });
  const worker = await h.worker.worker.register(workerInfo);
  const spec = (await h.worker.worker.claim({ workerId: worker.id }))!;
  return { workerId: worker.id, runId: spec.runId, attempt: spec.attempt };
}

describe("run log", () => {
  it("a batch appended twice is stored once, and viewers read it in order", async () => {
    const { workerId, runId, attempt } = await claimedRun();
    const batch = [line(0, "backend wasm"), line(1, "epoch 1/2", "warn"), line(2, "epoch 2/2")];
    expect(await h.worker.run.appendLog({ workerId, runId, attempt, lines: batch })).toEqual({
      accepted: 3,
    });
    // The worker retries a batch whose answer it never got; the lines are already there.
    expect(
      await h.worker.run.appendLog({
        workerId,
        runId,
        attempt,
        lines: [...batch, line(3, "run succeeded")],
      }),
    ).toEqual({ accepted: 1 });

    const page = await h.viewer.run.log({ runId });
    expect(page.lines.map((l) => `${l.attempt}/${l.seq} ${l.level} ${l.message}`)).toEqual([
      "1/0 info backend wasm",
      "1/1 warn epoch 1/2",
      "1/2 info epoch 2/2",
      "1/3 info run succeeded",
    ]);
    expect(page.lines[0]!.time).toBe("2026-01-01T00:00:00.000Z");
    expect(page.next).toBeNull();
  });

  it("is refused for a worker not holding the run and for another attempt than the one held", async () => {
    const { workerId, runId, attempt } = await claimedRun();
    const other = await h.worker.worker.register({ ...workerInfo, name: "other" });
    const notHeld = await trpcErrorOf(
      h.worker.run.appendLog({ workerId: other.id, runId, attempt, lines: [line(0)] }),
    );
    expect(notHeld.code).toBe("CONFLICT");
    expect(notHeld.message).toContain(`not held by worker ${other.id}`);
    const wrongAttempt = await trpcErrorOf(
      h.worker.run.appendLog({ workerId, runId, attempt: attempt + 1, lines: [line(0)] }),
    );
    expect(wrongAttempt.code).toBe("CONFLICT");
    expect(wrongAttempt.message).toMatch(/^attempt: run .* is on attempt 1, not 2$/);
    expect(
      (
        await trpcErrorOf(
          h.worker.run.appendLog({ workerId, runId: "no-such-run", attempt, lines: [line(0)] }),
        )
      ).code,
    ).toBe("NOT_FOUND");
    expect((await h.viewer.run.log({ runId })).lines).toEqual([]);
  });

  it("a resumed attempt's lines follow the previous attempt's, and the worker that lost the lease can no longer append", async () => {
    const first = await claimedRun();
    await h.worker.run.appendLog({
      ...first,
      lines: [line(0, "first attempt"), line(1, "epoch 1/3")],
    });
    clock = new Date(clock.getTime() + 11_000);
    expect(await h.services.runs.sweepExpiredLeases()).toEqual({ requeued: 1, failed: 0 });
    const second = await h.worker.worker.register({ ...workerInfo, name: "second" });
    const spec = (await h.worker.worker.claim({ workerId: second.id }))!;
    expect(spec.attempt).toBe(2);
    await h.worker.run.appendLog({
      workerId: second.id,
      runId: spec.runId,
      attempt: 2,
      lines: [line(0, "resuming from epoch 1")],
    });
    expect(
      (await trpcErrorOf(h.worker.run.appendLog({ ...first, lines: [line(2, "late line")] }))).code,
    ).toBe("CONFLICT");

    const lines = (await h.viewer.run.log({ runId: spec.runId })).lines;
    expect(lines.map((l) => `${l.attempt}/${l.seq} ${l.message}`)).toEqual([
      "1/0 first attempt",
      "1/1 epoch 1/3",
      "2/0 resuming from epoch 1",
    ]);
  });

  it("reads page by page after a cursor", async () => {
    const { workerId, runId, attempt } = await claimedRun();
    await h.worker.run.appendLog({
      workerId,
      runId,
      attempt,
      lines: Array.from({ length: 25 }, (_, i) => line(i)),
    });
    const seen: number[] = [];
    let after: { attempt: number; seq: number } | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const page = await h.viewer.run.log({ runId, after, limit: 10 });
      seen.push(...page.lines.map((l) => l.seq));
      if (!page.next) break;
      after = page.next;
    }
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => i));
    // A follower polling from the end gets nothing new until the worker appends again.
    expect((await h.viewer.run.log({ runId, after: { attempt: 1, seq: 24 } })).lines).toEqual([]);
    expect((await trpcErrorOf(h.viewer.run.log({ runId: "no-such-run" }))).code).toBe("NOT_FOUND");
  });

  it("caps lines per attempt, message length and batch size, naming the field", async () => {
    const { workerId, runId, attempt } = await claimedRun();
    // The last seq an attempt may use is the "lines dropped" marker's.
    expect(
      await h.worker.run.appendLog({
        workerId,
        runId,
        attempt,
        lines: [line(RUN_LOG_MAX_LINES, "… 12 lines dropped", "warn")],
      }),
    ).toEqual({ accepted: 1 });
    const tooFar = await trpcErrorOf(
      h.worker.run.appendLog({ workerId, runId, attempt, lines: [line(RUN_LOG_MAX_LINES + 1)] }),
    );
    expect(tooFar.code).toBe("BAD_REQUEST");
    expect(tooFar.message).toContain(`lines.seq: at most ${RUN_LOG_MAX_LINES}`);
    const tooLong = await trpcErrorOf(
      h.worker.run.appendLog({
        workerId,
        runId,
        attempt,
        lines: [line(0, "x".repeat(RUN_LOG_MAX_MESSAGE_CHARS + 1))],
      }),
    );
    expect(tooLong.code).toBe("BAD_REQUEST");
    expect(tooLong.message).toContain(
      `lines.message: at most ${RUN_LOG_MAX_MESSAGE_CHARS} characters`,
    );
    const tooMany = await trpcErrorOf(
      h.worker.run.appendLog({
        workerId,
        runId,
        attempt,
        lines: Array.from({ length: 1_001 }, (_, i) => line(i)),
      }),
    );
    expect(tooMany.message).toContain("lines: at most 1000 per call");
    const badLevel = await trpcErrorOf(
      h.worker.run.appendLog({
        workerId,
        runId,
        attempt,
        lines: [{ ...line(0), level: "debug" as "info" }],
      }),
    );
    expect(badLevel.message).toContain("lines.level: one of info, warn, error, fatal");
    expect((await h.viewer.run.log({ runId })).lines.map((l) => l.seq)).toEqual([
      RUN_LOG_MAX_LINES,
    ]);
  });
});
