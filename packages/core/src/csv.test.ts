import { describe, expect, it } from "vitest";
import { toCsv } from "./csv";

describe("toCsv", () => {
  it("quotes separators, quotes and newlines, and defuses formulas", () => {
    const csv = toCsv(
      ["name", "value"],
      [
        ["plain", 1.5],
        ['say "hi", then\nleave', null],
        ['=HYPERLINK("x")', -2],
      ],
    );
    expect(csv).toBe(
      'name,value\r\nplain,1.5\r\n"say ""hi"", then\nleave",\r\n"\'=HYPERLINK(""x"")",-2\r\n',
    );
  });
});
