import type { Metadata } from "next";
import Link from "next/link";
import { connection } from "next/server";
import { MAX_COMPARED_RUNS } from "@tlab/core/table-queries";
import { RunCompareView } from "@/components/compare/run-compare-view";
import { serverApi } from "@/trpc/server";

export const metadata: Metadata = { title: "Compare runs" };

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

export default async function ComparePage({ searchParams }: Props) {
  await connection();
  const { runs } = await searchParams;
  const runIds = [
    ...new Set(
      (typeof runs === "string" ? runs : "")
        .split(",")
        .map((id) => id.trim())
        .filter(Boolean),
    ),
  ].slice(0, MAX_COMPARED_RUNS);
  if (runIds.length === 0) {
    return (
      <section className="empty-state">
        <h1>Compare runs</h1>
        <p>
          Pick runs on the <Link href="/runs">runs page</Link> (any experiments) and press{" "}
          <strong>Compare</strong>; or open an experiment and follow{" "}
          <strong>Compare runs one by one</strong>.
        </p>
      </section>
    );
  }
  const api = await serverApi();
  const initial = await api.run.compare({ runIds });
  if (initial.runs.length === 0) {
    return (
      <section className="empty-state">
        <h1>Compare runs</h1>
        <p>
          None of the runs in this link exist. Pick runs on the <Link href="/runs">runs page</Link>.
        </p>
      </section>
    );
  }
  return <RunCompareView runIds={runIds} initial={initial} />;
}
