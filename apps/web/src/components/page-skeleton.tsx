/**
 * What a page shows while its server render is on the way: the same outline (title, a facts
 * strip, blocks where tables and charts go), so nothing jumps when the content arrives.
 */
export function PageSkeleton({ label, blocks = 3 }: { label: string; blocks?: number }) {
  return (
    <div className="skeleton" role="status" aria-live="polite">
      <span className="visually-hidden">{label}</span>
      <div className="skeleton-title" />
      <div className="skeleton-line" />
      {Array.from({ length: blocks }, (_, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: identical placeholder blocks, never reordered.
        <div key={i} className="skeleton-block" />
      ))}
    </div>
  );
}
