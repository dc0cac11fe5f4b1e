"use client";

import { useEffect, useState } from "react";

/**
 * The current time, ticking every `intervalMs` while `live`; null in the server's HTML and during
 * hydration. A clock read while rendering on the server would differ from the browser's at
 * hydration (React error #418), so anything derived from "now" appears once the page runs.
 */
export function useNow(live: boolean, intervalMs = 1000): number | null {
  const [now, setNow] = useState<number | null>(null);
  useEffect(() => {
    setNow(Date.now());
    if (!live) return;
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [live, intervalMs]);
  return now;
}
