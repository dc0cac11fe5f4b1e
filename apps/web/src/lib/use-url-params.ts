"use client";

import { useSearchParams } from "next/navigation";
import { useCallback } from "react";

/**
 * The page's query string as view state: reading goes through Next's useSearchParams, writing
 * through history.replaceState, which Next keeps in sync without a server round trip. So a
 * selection or a chart option lives in the URL (a link reproduces the view) at no cost.
 */
export function useUrlParams(): [URLSearchParams, (patch: Record<string, string | null | undefined>) => void] {
  const searchParams = useSearchParams();
  const update = useCallback((patch: Record<string, string | null | undefined>) => {
    const next = new URLSearchParams(window.location.search);
    for (const [key, value] of Object.entries(patch)) {
      if (value === null || value === undefined || value === "") next.delete(key);
      else next.set(key, value);
    }
    const query = next.toString();
    window.history.replaceState(null, "", `${window.location.pathname}${query ? `?${query}` : ""}${window.location.hash}`);
  }, []);
  return [new URLSearchParams(searchParams.toString()), update];
}

/** `value` when it is one of `allowed`, else `fallback`: URL parameters are user input. */
export function oneOf<T extends string>(value: string | null, allowed: readonly T[], fallback: T): T {
  return (allowed as readonly string[]).includes(value ?? "") ? (value as T) : fallback;
}
