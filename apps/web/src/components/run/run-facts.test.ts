import type { RunDetailDto } from "@tlab/core/dto";
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { runDetailFixture } from "@/lib/test-fixtures";
import { RunFacts } from "./run-facts";

const run = runDetailFixture({
  status: "RUNNING",
  attempt: 1,
  progress: 0.4,
  workerId: "w1",
  workerName: "w",
  startedAt: "2026-01-01T00:00:01.000Z",
});

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
    expect(
      statusText({
        ...run,
        status: "SUCCEEDED",
        cancelRequested: true,
        finishedAt: "2026-11-28T21:05:00.000Z",
      }),
    ).toBe("succeeded");
  });
});
