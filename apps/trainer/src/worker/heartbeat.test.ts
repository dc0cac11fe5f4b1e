import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { startHeartbeat } from "./heartbeat";

describe("startHeartbeat", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("beats every half lease, one at a time", async () => {
    const beats: number[] = [];
    const heartbeat = startHeartbeat({
      leaseMs: 1000,
      beat: async () => {
        beats.push(Date.now());
        return { cancelRequested: false };
      },
      onCancelRequested: () => undefined,
      onError: () => undefined,
    });
    const start = Date.now();
    await vi.advanceTimersByTimeAsync(2100);
    heartbeat.stop();
    await vi.advanceTimersByTimeAsync(2000);
    expect(beats.map((t) => t - start)).toEqual([500, 1000, 1500, 2000]);
  });

  it("follows a slow beat at once instead of waiting a further half lease", async () => {
    const beats: number[] = [];
    const answerAfter = [700, 10, 10, 10];
    const heartbeat = startHeartbeat({
      leaseMs: 1000,
      beat: () => {
        beats.push(Date.now());
        const delay = answerAfter[beats.length - 1] ?? 10;
        return new Promise((resolve) =>
          setTimeout(() => resolve({ cancelRequested: false }), delay),
        );
      },
      onCancelRequested: () => undefined,
      onError: () => undefined,
    });
    const start = Date.now();
    await vi.advanceTimersByTimeAsync(1800);
    heartbeat.stop();
    // The first beat (at 500) answers at 1200: the next goes out then (a timer tick later), not at
    // 1500 or 1700, so no two renewals are ever a whole lease apart.
    const offsets = beats.map((t) => t - start);
    expect(offsets).toHaveLength(3);
    expect(offsets[0]).toBe(500);
    expect(offsets[1]).toBeGreaterThanOrEqual(1200);
    expect(offsets[1]).toBeLessThan(1210);
    expect(offsets[2]! - offsets[1]!).toBe(500);
  });

  it("reports failed beats and keeps beating; a cancel request is passed on", async () => {
    const errors: unknown[] = [];
    let cancels = 0;
    let calls = 0;
    const heartbeat = startHeartbeat({
      leaseMs: 1000,
      beat: async () => {
        calls += 1;
        if (calls === 1) throw new Error("API unreachable");
        return { cancelRequested: calls === 3 };
      },
      onCancelRequested: () => (cancels += 1),
      onError: (error) => errors.push(error),
    });
    await vi.advanceTimersByTimeAsync(1600);
    heartbeat.stop();
    expect(calls).toBe(3);
    expect(errors).toHaveLength(1);
    expect(cancels).toBe(1);
  });
});
