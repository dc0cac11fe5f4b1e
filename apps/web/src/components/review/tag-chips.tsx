import Link from "next/link";
import styles from "./labels.module.css";

/**
 * Tags as chips; each links to the experiments list filtered by it. With `onRemove`, each chip
 * also has a remove button (members editing an experiment's tags).
 */
export function TagChips({
  tags,
  onRemove,
  busy = false,
}: {
  tags: string[];
  onRemove?: (tag: string) => void;
  busy?: boolean;
}) {
  if (tags.length === 0) return null;
  return (
    <ul className={styles.tags} aria-label="Tags">
      {tags.map((tag) => (
        <li key={tag} className={styles.tag}>
          <Link href={`/?tag=${encodeURIComponent(tag)}`} title={`Experiments tagged ${tag}`}>
            {tag}
          </Link>
          {onRemove ? (
            <button
              type="button"
              className={styles.tagRemove}
              aria-label={`Remove tag ${tag}`}
              disabled={busy}
              onClick={() => onRemove(tag)}
            >
              ×
            </button>
          ) : null}
        </li>
      ))}
    </ul>
  );
}
