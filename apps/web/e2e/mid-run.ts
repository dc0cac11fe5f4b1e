import { setTimeout as sleep } from "node:timers/promises";
import { expect } from "vitest";
import { trpc } from "./web-server";

type Series = { name: string; points: { step: number }[] }[];

/**
 * Waits until a run is in the middle of training: its epoch checkpoint is on the server, at least
 * `atLeast` epochs are reported and at least two of its `epochs` are left, so a fault or a stop
 * sent now catches it inside an epoch. Fails as soon as the run ends; `output` is the worker's log
 * for the message.
 */
export async function waitUntilMidRun(
  url: string,
  token: string,
  runId: string,
  opts: { epochs: number; atLeast?: number; output: () => string },
): Promise<void> {
  const atLeast = opts.atLeast ?? 1;
  for (let i = 0; i < 3000; i++) {
    const run = await trpc<{ status: string; artifacts: { fileName: string }[] }>(
      url,
      "run.byId",
      { runId },
      { token },
    );
    expect(
      ["QUEUED", "RUNNING"],
      `the run ended before it was mid-training:\n${opts.output().slice(-3000)}`,
    ).toContain(run.status);
    if (run.artifacts.some((a) => a.fileName === "checkpoint.json")) {
      const series = await trpc<Series>(url, "run.metrics", { runId }, { token });
      const reported = series.find((s) => s.name === "val/accuracy")?.points.length ?? 0;
      if (reported >= atLeast && reported < opts.epochs - 1) return;
    }
    await sleep(20);
  }
  throw new Error(
    `run ${runId} never reached epoch ${atLeast} with epochs left:\n${opts.output().slice(-3000)}`,
  );
}
