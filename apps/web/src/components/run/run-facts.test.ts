import type { RunDetailDto } from "@tlab/core/dto";
import { defaultStrategy } from "@tlab/core/strategy";
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { RunFacts } from "./run-facts";

const run: RunDetailDto = {
  id: "r1",
  experimentId: "e1",
  experimentName: "e",
  strategy: "full",
  config: defaultStrategy("full"),
  seed: 1,
  status: "RUNNING",
  attempt: 1,
  progress: 0.4,
  workerId: "w1",
  workerName: "w",
  backend: null,
  queuedAt: "2026-11-28T21:00:00.000Z",
  startedAt: "2026-11-28T21:00:01.000Z",
  finishedAt: null,
  failureReason: null,
  cancelRequested: false,
  testAccuracy: null,
  trainableParams: null,
  totalParams: null,
  wallTimeMs: null,
  finalMetrics: null,
  artifacts: [],
  events: [],
};

const statusText = (r: RunDetailDto) => {
  const html = renderToStaticMarkup(createElement(RunFacts, { run: r, worker: null }));
  const dd = /<dt>Status<\/dt><dd>(.*?)<\/dd>/.exec(html)?.[1] ?? "";
  return dd.replace(/<[^>]+>/g, "").trim();
};

describe("RunFacts status", () => {
  it("shows a pending cancel as the experiment page's runs table does", () => {
    expect(statusText(run)).toBe("running");
    expect(statusText({ ...run, cancelRequested: true })).toBe("running (canceling)");
  });

  it("a finished run reads its status alone, whatever the flag", () => {
    expect(statusText({ ...run, status: "SUCCEEDED", cancelRequested: true, finishedAt: "2026-11-28T21:05:00.000Z" })).toBe("succeeded");
  });
});
