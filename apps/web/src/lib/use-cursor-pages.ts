"use client";

import { useState } from "react";

export interface CursorPages {
  /** 0 for the first page. */
  page: number;
  /** The cursor the current page is fetched with (null: the first page). */
  cursor: string | null;
  next: (nextCursor: string | null) => void;
  previous: () => void;
}

/**
 * Keyset pages walked forwards and back: the cursor of each page seen so far is kept, so
 * "Previous" returns to exactly the rows it showed. A new filter or sort (`resetKey`) starts over.
 */
export function useCursorPages(resetKey: string): CursorPages {
  const [state, setState] = useState<{ key: string; cursors: (string | null)[] }>({
    key: resetKey,
    cursors: [null],
  });
  const cursors = state.key === resetKey ? state.cursors : [null];
  const page = cursors.length - 1;
  return {
    page,
    cursor: cursors[page] ?? null,
    next: (nextCursor: string | null) => {
      if (nextCursor) setState({ key: resetKey, cursors: [...cursors, nextCursor] });
    },
    previous: () =>
      setState({ key: resetKey, cursors: cursors.length > 1 ? cursors.slice(0, -1) : cursors }),
  };
}
