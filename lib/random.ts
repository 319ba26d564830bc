/**
 * Seeded pseudo-random numbers. Every source of randomness in the workspace
 * (weight initialisation, shuffling, splits, augmentation) derives from one
 * run seed through these helpers, so a run can be replayed exactly.
 *
 * @module
 */

/** A deterministic random source: `next()` returns a float in [0, 1). */
export interface Rng {
  /** Next float in [0, 1). */
  next(): number;
  /** Next integer in [0, n). */
  int(n: number): number;
  /** A new independent stream, derived from this one and a label. */
  fork(label: string): Rng;
}

/** 32-bit FNV-1a hash of a string; used to derive stream seeds from labels. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Creates a seeded generator (mulberry32: small, fast, good enough for
 * shuffles and augmentation parameters).
 *
 * @example
 * ```ts
 * const rng = createRng(42);
 * rng.next(); // same value on every machine for seed 42
 * ```
 */
export function createRng(seed: number): Rng {
  if (!Number.isFinite(seed)) {
    throw new Error(`Seed must be a finite number, got ${seed}`);
  }
  let state = (Math.trunc(seed) >>> 0) || 0x9e3779b9;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const rng: Rng = {
    next,
    int: (n: number) => Math.floor(next() * n),
    fork: (label: string) =>
      createRng((Math.floor(next() * 4294967296) ^ hashString(label)) >>> 0),
  };
  return rng;
}

/** Fisher–Yates shuffle of `items` in place, driven by `rng`; returns `items`. */
export function shuffleInPlace<T>(items: T[], rng: Rng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

/** A seeded permutation of `0..n-1`. */
export function permutation(n: number, rng: Rng): number[] {
  return shuffleInPlace(Array.from({ length: n }, (_, i) => i), rng);
}
