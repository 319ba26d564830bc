/**
 * McNemar's test: do two models, scored on the same test images, differ in
 * accuracy? Only the discordant images count: `b` where the first is right
 * and the second wrong, `c` the other way round.
 *
 * Two versions, as statsmodels' `mcnemar`: the exact binomial test
 * (`exact=True`) and the chi-square test with continuity correction
 * (`exact=False, correction=True`). {@linkcode mcnemarTest} reports the
 * exact one when there are fewer than 25 discordant pairs, else chi-square.
 *
 * @module
 */
import { erfc, logGamma } from "./intervals.ts";

/** A McNemar test result. */
export interface McNemarResult {
  /** Images the first model got right and the second wrong. */
  b: number;
  /** Images the first model got wrong and the second right. */
  c: number;
  /** Test statistic: min(b, c) for the exact test, chi-square otherwise. */
  statistic: number;
  /** Two-sided p-value. */
  pValue: number;
  /** Which test produced it. */
  method: "exact" | "chi-square";
}

/** Counts the discordant pairs of two per-image correctness arrays. */
export function discordantPairs(
  firstCorrect: ArrayLike<boolean>,
  secondCorrect: ArrayLike<boolean>,
): { b: number; c: number } {
  if (firstCorrect.length !== secondCorrect.length) {
    throw new Error(
      `McNemar needs both models scored on the same images: ${firstCorrect.length} vs ${secondCorrect.length}`,
    );
  }
  let b = 0;
  let c = 0;
  for (let i = 0; i < firstCorrect.length; i++) {
    if (firstCorrect[i] && !secondCorrect[i]) b++;
    if (!firstCorrect[i] && secondCorrect[i]) c++;
  }
  return { b, c };
}

/** Exact two-sided binomial McNemar test: min(1, 2·P[X ≤ min(b,c)]), X ~ Bin(b+c, ½). */
export function mcnemarExact(b: number, c: number): McNemarResult {
  const n = b + c;
  const k = Math.min(b, c);
  let cdf = 0;
  for (let i = 0; i <= k; i++) {
    cdf += Math.exp(
      logGamma(n + 1) - logGamma(i + 1) - logGamma(n - i + 1) - n * Math.LN2,
    );
  }
  return {
    b,
    c,
    statistic: k,
    pValue: n === 0 ? 1 : Math.min(1, 2 * cdf),
    method: "exact",
  };
}

/** Chi-square McNemar test with continuity correction: (|b−c|−1)² / (b+c), 1 degree of freedom. */
export function mcnemarChiSquare(b: number, c: number): McNemarResult {
  const n = b + c;
  if (n === 0) return { b, c, statistic: 0, pValue: 1, method: "chi-square" };
  const statistic = (Math.abs(b - c) - 1) ** 2 / n;
  // P[chi2(1) > x] = erfc(sqrt(x / 2))
  return {
    b,
    c,
    statistic,
    pValue: erfc(Math.sqrt(statistic / 2)),
    method: "chi-square",
  };
}

/**
 * McNemar's test on per-image correctness of two models; exact below 25
 * discordant pairs, chi-square with continuity correction from 25 on.
 */
export function mcnemarTest(
  firstCorrect: ArrayLike<boolean>,
  secondCorrect: ArrayLike<boolean>,
): McNemarResult {
  const { b, c } = discordantPairs(firstCorrect, secondCorrect);
  return b + c < 25 ? mcnemarExact(b, c) : mcnemarChiSquare(b, c);
}
