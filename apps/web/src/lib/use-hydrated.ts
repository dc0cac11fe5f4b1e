"use client";

import { useSyncExternalStore } from "react";

const subscribe = () => () => {};

/**
 * False in the server's HTML and during hydration, true once React runs the page in the browser.
 * Controls that act through React (URL filters, the launch form) stay disabled until then: a click
 * or a keystroke on the server-rendered markup would be lost or applied natively.
 */
export function useHydrated(): boolean {
  return useSyncExternalStore(
    subscribe,
    () => true,
    () => false,
  );
}
