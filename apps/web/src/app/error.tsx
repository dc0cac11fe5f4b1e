"use client";

export default function ErrorPage({
  error,
  reset,
}: {
  error: Error & { digest?: string };
  reset: () => void;
}) {
  return (
    <section className="empty-state" role="alert">
      <h1>Something went wrong</h1>
      <p>{error.message || "The server could not render this page."}</p>
      {error.digest ? (
        <p className="muted">Reference: {error.digest} (see the server log)</p>
      ) : null}
      <button type="button" className="button" onClick={reset}>
        Try again
      </button>
    </section>
  );
}
