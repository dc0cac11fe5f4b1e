import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { Markdown } from "./markdown";

const render = (text: string) => renderToStaticMarkup(createElement(Markdown, { text }));

describe("Markdown (comments and run notes)", () => {
  it("renders markdown: emphasis, code, lists and http links that open apart", () => {
    const html = render(
      "**Full** wins, see `val/loss`:\n\n- seed 1\n- seed 2\n\n[run](https://example.test/runs/1)",
    );
    expect(html).toContain("<strong>Full</strong>");
    expect(html).toContain("<code>val/loss</code>");
    expect(html).toMatch(/<ul>\s*<li>seed 1<\/li>\s*<li>seed 2<\/li>\s*<\/ul>/);
    expect(html).toContain(
      '<a href="https://example.test/runs/1" rel="noopener noreferrer nofollow" target="_blank">run</a>',
    );
  });

  it("shows raw HTML as the text that was written, never as elements", () => {
    const html = render(
      '<script>alert(1)</script>\n\n<img src=x onerror="alert(2)">\n\nsay <b onmouseover="alert(3)">hi</b>',
    );
    expect(html).not.toMatch(/<(script|img|b)\b/);
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).toContain("&lt;img src=x onerror=&quot;alert(2)&quot;&gt;");
    expect(html).toContain("say &lt;b onmouseover=&quot;alert(3)&quot;&gt;hi&lt;/b&gt;");
  });

  it("keeps the text of a link with an unsafe protocol and drops the link; names images instead of loading them", () => {
    const html = render(
      "[click](javascript:alert(1)) [page](data:text/html;base64,PHNjcmlwdD4=) ![chart](https://example.test/x.png)",
    );
    expect(html).not.toMatch(/<a\b|<img\b|javascript:|data:text/);
    expect(html).toContain("<span>click</span>");
    expect(html).toContain("<span>page</span>");
    expect(html).toContain('<span class="muted">[image: chart]</span>');
  });
});
