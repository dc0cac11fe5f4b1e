import type { BaseModelListItemDto } from "@tlab/core/dto";
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { ModelSource } from "./models-view";
import { modelsPageHref } from "./source-run-link";

const base: BaseModelListItemDto = {
  id: "b1",
  name: "digits-full-s1",
  description: "",
  inputShape: [28, 28, 1],
  layers: [],
  totalParams: 10,
  source: "run",
  parentRunId: "r1",
  createdAt: "2026-11-28T21:00:00.000Z",
  sourceRun: {
    id: "r1",
    experimentId: "e1",
    experimentName: "Digits 0-4 → 5-9",
    strategy: "full",
    seed: 2,
  },
};

const render = (model: BaseModelListItemDto) =>
  renderToStaticMarkup(createElement(ModelSource, { model }));

describe("ModelSource", () => {
  it("names a promoted model's source run as experiment · strategy · seed, linking the experiment and the run", () => {
    const html = render(base);
    expect(html).toContain('promoted from <a href="/experiments/e1">Digits 0-4 → 5-9</a>');
    expect(html).toContain('<a href="/runs/r1">Full fine-tune · seed 2</a>');
    expect(html).not.toContain(">run r1<");
  });

  it("says the source run is gone rather than linking to nothing, and names other sources in words", () => {
    expect(render({ ...base, sourceRun: null })).toBe("promoted from a run that no longer exists");
    expect(render({ ...base, source: "builtin", parentRunId: null, sourceRun: null })).toBe(
      "built in",
    );
  });

  it("links a base model's Models page entry by its name", () => {
    expect(modelsPageHref("digits-full-s1")).toBe("/models#digits-full-s1");
  });
});
