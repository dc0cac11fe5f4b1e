"use client";

import { useSearchParams } from "next/navigation";
import { useCallback, useRef, useState } from "react";

type Patch = Record<string, string | null | undefined>;

/**
 * The page's query string as view state: reading goes through Next's useSearchParams, writing
 * through history.replaceState, which Next keeps in sync without a server round trip. So a
 * selection or a chart option lives in the URL (a link reproduces the view) at no cost.
 *
 * Next hands the written URL back through useSearchParams in a transition, a render or more
 * later; until then the hook reports the query it wrote, so a controlled checkbox or select
 * shows the new value at once instead of flicking back to the old one. The written query is
 * shown only while useSearchParams still holds what it replaced: any later change of the URL
 * (Next catching up, back, a link) wins.
 */
export function useUrlParams(): [URLSearchParams, (patch: Patch) => void] {
  const current = useSearchParams().toString();
  const [written, setWritten] = useState<{ query: string; over: string } | null>(null);
  const currentRef = useRef(current);
  currentRef.current = current;
  const update = useCallback((patch: Patch) => {
    const next = new URLSearchParams(window.location.search);
    for (const [key, value] of Object.entries(patch)) {
      if (value === null || value === undefined || value === "") next.delete(key);
      else next.set(key, value);
    }
    const query = next.toString();
    setWritten({ query, over: currentRef.current });
    window.history.replaceState(
      null,
      "",
      `${window.location.pathname}${query ? `?${query}` : ""}${window.location.hash}`,
    );
  }, []);
  const shown = written !== null && written.over === current ? written.query : current;
  return [new URLSearchParams(shown), update];
}

/** `value` when it is one of `allowed`, else `fallback`: URL parameters are user input. */
export function oneOf<T extends string>(
  value: string | null,
  allowed: readonly T[],
  fallback: T,
): T {
  return (allowed as readonly string[]).includes(value ?? "") ? (value as T) : fallback;
}
