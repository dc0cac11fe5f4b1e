export function ProgressBar({ value, label }: { value: number; label: string }) {
  const clamped = Math.min(1, Math.max(0, value));
  return (
    <span className="progress">
      <progress value={clamped} max={1} aria-label={label} />
      <span className="progress-text">{Math.round(clamped * 100)}%</span>
    </span>
  );
}
