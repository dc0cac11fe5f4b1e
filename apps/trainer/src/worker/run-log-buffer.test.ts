import { describe, expect, it } from "vitest";
import type { RunLogLineInput } from "@tlab/core/run-log";
import { RunLogBuffer } from "./run-log-buffer";
import { formatLine, redactSecrets } from "./run-logger";

/** A server that stores lines idempotently on seq, as the API does, and fails the sends it is told to. */
function fakeServer() {
  const stored = new Map<number, RunLogLineInput>();
  const sends: number[][] = [];
  let failNext = 0;
  let arriveButFail = false;
  return {
    stored,
    sends,
    failNextSends(n: number, { afterStoring = false } = {}) {
      failNext = n;
      arriveButFail = afterStoring;
    },
    send: async (lines: RunLogLineInput[]) => {
      sends.push(lines.map((l) => l.seq));
      if (failNext > 0) {
        failNext -= 1;
        // A timeout after the server stored the batch: the worker cannot tell and sends it again.
        if (arriveButFail) for (const l of lines) if (!stored.has(l.seq)) stored.set(l.seq, l);
        throw new TypeError("fetch failed");
      }
      for (const l of lines) if (!stored.has(l.seq)) stored.set(l.seq, l);
    },
  };
}

describe("RunLogBuffer", () => {
  it("keeps lines through failed sends and delivers each once, in order", async () => {
    const server = fakeServer();
    const buffer = new RunLogBuffer(server.send, { batchSize: 2 });
    buffer.add("info", "backend wasm");
    buffer.add("info", "epoch 1/3");
    buffer.add("warn", "metrics upload failed; retrying");
    server.failNextSends(1, { afterStoring: true });
    await expect(buffer.flush()).rejects.toThrow("fetch failed");
    expect(buffer.size).toBe(3);
    buffer.add("info", "epoch 2/3");
    server.failNextSends(1);
    await expect(buffer.flush()).rejects.toThrow("fetch failed");
    await buffer.flush();

    expect(buffer.size).toBe(0);
    expect([...server.stored.values()].map((l) => `${l.seq} ${l.level} ${l.message}`)).toEqual([
      "0 info backend wasm",
      "1 info epoch 1/3",
      "2 warn metrics upload failed; retrying",
      "3 info epoch 2/3",
    ]);
    // Every send starts where the previous successful one stopped: seqs never go backwards past it.
    expect(server.sends).toEqual([
      [0, 1],
      [0, 1],
      [0, 1],
      [2, 3],
    ]);
  });

  it("never sends a line in two flushes at once", async () => {
    const inFlight = new Set<number>();
    const overlaps: number[] = [];
    const sent: number[] = [];
    const buffer = new RunLogBuffer(async (lines) => {
      for (const l of lines) {
        if (inFlight.has(l.seq)) overlaps.push(l.seq);
        inFlight.add(l.seq);
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
      for (const l of lines) inFlight.delete(l.seq);
      sent.push(...lines.map((l) => l.seq));
    });
    buffer.add("info", "a");
    const first = buffer.flush();
    buffer.add("info", "b");
    await Promise.all([first, buffer.flush(), buffer.flush()]);
    expect(overlaps).toEqual([]);
    expect(sent).toEqual([0, 1]);
  });

  it("caps an attempt's lines, truncates long ones, and ends with a marker counting the dropped lines", async () => {
    const server = fakeServer();
    const buffer = new RunLogBuffer(server.send, { maxLines: 5, maxMessageChars: 20 });
    for (let i = 0; i < 12; i++) buffer.add("info", `line ${i}`);
    buffer.add("error", "x".repeat(50));
    await buffer.close();
    buffer.add("info", "after the end");
    await buffer.flush();

    const lines = [...server.stored.values()];
    expect(lines.map((l) => l.seq)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(lines.at(-1)).toMatchObject({
      seq: 5,
      level: "warn",
      message: "… 8 lines dropped (an attempt's log keeps its first 5 lines)",
    });
    const truncated = new RunLogBuffer(server.send, { maxMessageChars: 20 });
    truncated.add("info", "y".repeat(50));
    server.stored.clear();
    await truncated.flush();
    expect(server.stored.get(0)!.message).toBe(`${"y".repeat(19)}…`);
  });
});

describe("run log lines", () => {
  it("show a message with its fields, and no credentials", () => {
    expect(formatLine("epoch 2/5", { "train/loss": 0.1234, "val/accuracy": 0.9 })).toBe(
      "epoch 2/5 train/loss=0.1234 val/accuracy=0.9",
    );
    expect(formatLine("run failed", { reason: "out of memory" })).toBe(
      'run failed reason="out of memory"',
    );
    expect(
      redactSecrets(
        "GET failed: authorization: Bearer tlab_w_abc123 at https://user:pa55@example.test/x?token=s3cret&x=1",
      ),
    ).toBe(
      "GET failed: authorization: Bearer [redacted] at https://user:[redacted]@example.test/x?token=[redacted]&x=1",
    );
  });
});
