import { describe, expect, it } from "vitest";
import { experimentQueryFrom, queryKeyOf, runQueryFrom } from "./table-params";

describe("table URL parameters", () => {
  it("read filters and sort, ignoring values the API would refuse", () => {
    const runs = runQueryFrom(
      new URLSearchParams(
        "q=%20digits%20&status=RUNNING,bogus,QUEUED&strategy=full&sort=testAccuracy&dir=asc",
      ),
    );
    expect(runs).toMatchObject({
      search: "digits",
      status: ["RUNNING", "QUEUED"],
      strategy: ["full"],
      sort: "testAccuracy",
      direction: "asc",
    });
    expect(runQueryFrom(new URLSearchParams("sort=nope&status="))).toMatchObject({
      sort: "queuedAt",
      direction: "desc",
      status: undefined,
    });
  });

  it("sorts experiments newest first by default and names A→Z", () => {
    expect(experimentQueryFrom(new URLSearchParams(""))).toMatchObject({
      sort: "createdAt",
      direction: "desc",
    });
    expect(experimentQueryFrom(new URLSearchParams("sort=name"))).toMatchObject({
      sort: "name",
      direction: "asc",
    });
  });

  it("reads the tag and starred-by-me filters, dropping a tag the API would refuse", () => {
    expect(experimentQueryFrom(new URLSearchParams("tag=Baseline&starred=1"))).toMatchObject({
      tag: "baseline",
      starred: true,
    });
    expect(experimentQueryFrom(new URLSearchParams("tag=two%20words&starred=yes"))).toMatchObject({
      tag: undefined,
      starred: undefined,
    });
  });

  it("keys a query without its cursor", () => {
    const q = experimentQueryFrom(new URLSearchParams("q=a"));
    expect(queryKeyOf({ ...q, cursor: "x" })).toBe(queryKeyOf(q));
    expect(queryKeyOf({ ...q, search: "b" })).not.toBe(queryKeyOf(q));
  });
});
