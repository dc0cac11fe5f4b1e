"use client";

import { useState } from "react";

/**
 * Keyset pages walked forwards and back: the cursor of each page seen so far is kept, so
 * "Previous" returns to exactly the rows it showed. A new filter or sort (`resetKey`) starts over.
 */
export function useCursorPages(resetKey: string) {
  const [state, setState] = useState<{ key: string; cursors: (string | null)[] }>({ key: resetKey, cursors: [null] });
  const cursors = state.key === resetKey ? state.cursors : [null];
  const page = cursors.length - 1;
  return {
    page,
    cursor: cursors[page] ?? null,
    next: (nextCursor: string | null) => {
      if (nextCursor) setState({ key: resetKey, cursors: [...cursors, nextCursor] });
    },
    previous: () => setState({ key: resetKey, cursors: cursors.length > 1 ? cursors.slice(0, -1) : cursors }),
  };
}
