"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { Fragment } from "react";
import { modelsPageHref } from "@/components/catalog/source-run-link";
import { useTRPC } from "@/trpc/react";

/**
 * The base models promoted from this run, linked to their Models page entries; nothing for a run
 * never promoted. Shown beside the Promote button, which stays: promoting again under another
 * name can be meant, but it should not look like the first time.
 */
export function PromotedBaseModels({ runId }: { runId: string }) {
  const trpc = useTRPC();
  const { data: promoted } = useQuery(trpc.catalog.promotedFrom.queryOptions({ runId }));
  if (!promoted || promoted.length === 0) return null;
  return (
    <span className="hint">
      Promoted to base model{promoted.length === 1 ? "" : "s"}{" "}
      {promoted.map((model, i) => (
        <Fragment key={model.id}>
          {i > 0 ? ", " : null}
          <Link href={modelsPageHref(model.name)}>{model.name}</Link>
        </Fragment>
      ))}
    </span>
  );
}
