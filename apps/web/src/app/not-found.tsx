import Link from "next/link";

export default function NotFound() {
  return (
    <section className="empty-state">
      <h1>Not found</h1>
      <p>
        There is no such experiment, run or page. It may have been deleted, or the link is wrong.
      </p>
      <p>
        <Link href="/">Back to the experiments</Link>
      </p>
    </section>
  );
}
