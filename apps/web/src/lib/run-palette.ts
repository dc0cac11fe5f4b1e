/** Colours for runs compared one by one (strategy colours would repeat across experiments). */
export const RUN_PALETTE = [
  "#2563eb",
  "#d97706",
  "#059669",
  "#dc2626",
  "#7c3aed",
  "#0891b2",
  "#db2777",
  "#65a30d",
  "#475569",
  "#ea580c",
];

export function runColor(index: number): string {
  return RUN_PALETTE[index % RUN_PALETTE.length]!;
}

/** Dash patterns for the second and later rounds of the palette, so 24 runs stay distinguishable. */
export function runDash(index: number): number[] | undefined {
  const round = Math.floor(index / RUN_PALETTE.length);
  return round === 0 ? undefined : round === 1 ? [8, 4] : [2, 3];
}
