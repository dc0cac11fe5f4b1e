import ReactMarkdown from "react-markdown";

/** The part of a markdown syntax tree node the plugin below reads. */
type MarkdownNode = { type: string; children?: MarkdownNode[] };

/**
 * Raw HTML in a comment is shown as the text that was written (`<script>…` appears as such),
 * never rendered: an html node becomes a text node with the same value, which React escapes.
 * Dropping it instead would make a comment about markup silently lose words.
 */
function rawHtmlAsText() {
  return (tree: MarkdownNode) => {
    const walk = (node: MarkdownNode) => {
      if (node.type === "html") node.type = "text";
      node.children?.forEach(walk);
    };
    walk(tree);
  };
}

/**
 * Comment text as markdown, safely: raw HTML is shown as text, links keep only safe protocols
 * (react-markdown's default URL filter empties javascript:, data: and the like, and such a link
 * is shown as its text alone), images are named, not loaded. React escapes everything else, so a
 * comment cannot inject script into the page.
 */
export function Markdown({ text }: { text: string }) {
  return (
    <div className="markdown">
      <ReactMarkdown
        remarkPlugins={[rawHtmlAsText]}
        components={{
          a: ({ href, children }) =>
            href ? (
              <a href={href} rel="noopener noreferrer nofollow" target="_blank">
                {children}
              </a>
            ) : (
              <span>{children}</span>
            ),
          img: ({ alt }) => <span className="muted">[image: {alt}]</span>,
        }}
      >
        {text}
      </ReactMarkdown>
    </div>
  );
}
