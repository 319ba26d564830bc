/**
 * How much a result moves with the seed: the same configuration trained
 * with several seeds (initialisation, shuffling and augmentation all follow
 * the seed), summarised as mean, sample standard deviation and range. A
 * difference between two machines or two changes smaller than this spread
 * is not a difference the seed could not make.
 *
 * @module
 */

/** The spread of one metric over seeds. */
export interface SeedSpread {
  /** Number of seeds. */
  n: number;
  /** Mean over the seeds. */
  mean: number;
  /** Sample standard deviation (0 for one seed). */
  sd: number;
  /** Smallest value. */
  min: number;
  /** Largest value. */
  max: number;
}

/**
 * Summarises `values` (one per seed).
 *
 * @throws when `values` is empty or holds a value that is not finite.
 *
 * @example
 * ```ts
 * seedSpread([0.91, 0.905, 0.912]); // { n: 3, mean: 0.909, sd: 0.0036, min: 0.905, max: 0.912 }
 * ```
 */
export function seedSpread(values: number[]): SeedSpread {
  if (!values.length) throw new Error("seedSpread needs at least one value");
  const bad = values.find((v) => !Number.isFinite(v));
  if (bad !== undefined) {
    throw new Error(`seedSpread: ${bad} is not a finite number`);
  }
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const sd = n > 1
    ? Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1))
    : 0;
  return { n, mean, sd, min: Math.min(...values), max: Math.max(...values) };
}

/** The seeds a configuration trains with: `seed`, `seed + 1`, … (`count` of them, at least 1). */
export function replicateSeeds(seed: number, count: number): number[] {
  return Array.from({ length: Math.max(1, count) }, (_, i) => seed + i);
}

/**
 * One line for a notebook or the report: `mean 90.94% over 3 seeds (sd 0.12
 * points, range 90.80–91.05%)`; `a single seed` for one.
 */
export function formatSeedSpread(s: SeedSpread): string {
  if (s.n === 1) return "a single seed";
  const p = (x: number) => (100 * x).toFixed(2);
  return `mean ${p(s.mean)}% over ${s.n} seeds (sd ${p(s.sd)} points, range ${
    p(s.min)
  }–${p(s.max)}%)`;
}
