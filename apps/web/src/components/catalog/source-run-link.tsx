import Link from "next/link";
import type { BaseModelSourceRunDto } from "@tlab/core/dto";
import { STRATEGY_LABELS } from "@tlab/core/strategy";

/** Where a promoted base model came from, named as the run page names it: "<experiment> · <strategy> · seed n". */
export function SourceRunLink({ run }: { run: BaseModelSourceRunDto }) {
  return (
    <>
      <Link href={`/experiments/${run.experimentId}`}>{run.experimentName}</Link> ·{" "}
      <Link href={`/runs/${run.id}`}>
        {STRATEGY_LABELS[run.strategy]} · seed {run.seed}
      </Link>
    </>
  );
}

/** The Models page's entry for a base model (its card carries the name as its id). */
export function modelsPageHref(name: string): string {
  return `/models#${encodeURIComponent(name)}`;
}
