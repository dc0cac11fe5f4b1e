import ReactMarkdown from "react-markdown";

/**
 * Comment text as markdown, safely: raw HTML in the text is dropped (never rendered), and links
 * keep only safe protocols (react-markdown's default URL filter drops javascript: and the like).
 * React escapes everything else, so a comment cannot inject script into the page.
 */
export function Markdown({ text }: { text: string }) {
  return (
    <div className="markdown">
      <ReactMarkdown
        skipHtml
        components={{
          a: ({ href, children }) => (
            <a href={href} rel="noopener noreferrer nofollow" target="_blank">
              {children}
            </a>
          ),
          img: ({ alt }) => <span className="muted">[image: {alt}]</span>,
        }}
      >
        {text}
      </ReactMarkdown>
    </div>
  );
}
