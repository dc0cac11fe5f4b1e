/**
 * Small deterministic pseudo-random numbers, so that a run's data split, shuffling and weight
 * initialisation are a pure function of its seed. Not for anything security-related.
 */

/** A generator of floats in [0, 1). */
export type Random = () => number;

/** mulberry32: 32-bit state, full 2^32 period, fast and good enough for shuffling and sampling. */
export function mulberry32(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Mixes a seed with any number of integer labels (class, epoch, layer index...) into a new 32-bit
 * seed, so independent streams never share a sequence: deriveSeed(s, 1, 2) and deriveSeed(s, 2, 1)
 * differ, and neither is a shifted copy of mulberry32(s).
 */
export function deriveSeed(seed: number, ...labels: number[]): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (const label of labels) {
    h = Math.imul(h ^ (label >>> 0), 0x85ebca6b) >>> 0;
    h = (h ^ (h >>> 13)) >>> 0;
    h = Math.imul(h, 0xc2b2ae35) >>> 0;
    h = (h ^ (h >>> 16)) >>> 0;
  }
  return h;
}

/** Fisher–Yates shuffle in place; every permutation is equally likely for a uniform `random`. */
export function shuffleInPlace<T>(items: T[] | Int32Array | Uint32Array, random: Random): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const tmp = items[i]!;
    items[i] = items[j]!;
    items[j] = tmp;
  }
}

/** 0..n-1 in a seeded random order. */
export function permutation(n: number, random: Random): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  shuffleInPlace(order, random);
  return order;
}

/** Standard normal floats (Box–Muller), for test fixtures and synthetic data. */
export function normalArray(length: number, random: Random): Float32Array {
  const out = new Float32Array(length);
  for (let i = 0; i < length; i += 2) {
    const u = 1 - random(); // (0, 1]: log stays finite
    const v = random();
    const r = Math.sqrt(-2 * Math.log(u));
    out[i] = r * Math.cos(2 * Math.PI * v);
    if (i + 1 < length) out[i + 1] = r * Math.sin(2 * Math.PI * v);
  }
  return out;
}
