/**
 * 95% confidence intervals of an accuracy, and the distributions they need.
 *
 * - **Wilson score interval**: the recommended interval for a proportion;
 *   well behaved near 0 and 1 and for small n.
 * - **t-based interval** (study 002, after Rumsey's "population mean with
 *   unknown standard deviation"): each test image scores 1 (correct) or 0,
 *   and the interval is mean ± t(0.975, n−1) · s / √n with s the sample
 *   standard deviation of those scores, clipped to [0, 1] (the study reports
 *   ranges such as 85–100%).
 *
 * @module
 */

/** A two-sided confidence interval. */
export interface Interval {
  /** Lower bound. */
  low: number;
  /** Upper bound. */
  high: number;
  /** Confidence level, e.g. 0.95. */
  level: number;
  /** `wilson` or `t`. */
  method: "wilson" | "t";
}

function checkCounts(correct: number, n: number): void {
  if (
    !Number.isInteger(n) || n <= 0 || !Number.isInteger(correct) ||
    correct < 0 || correct > n
  ) {
    throw new Error(
      `Need 0 <= correct <= n with n >= 1, got correct=${correct}, n=${n}`,
    );
  }
}

/** ln Γ(x) for x > 0 (Lanczos, g = 607/128, 14 terms; relative error about 1e-15). */
export function logGamma(x: number): number {
  const cof = [
    57.1562356658629235,
    -59.5979603554754912,
    14.1360979747417471,
    -0.491913816097620199,
    0.339946499848118887e-4,
    0.465236289270485756e-4,
    -0.983744753048795646e-4,
    0.158088703224912494e-3,
    -0.210264441724104883e-3,
    0.217439618115212643e-3,
    -0.164318106536763890e-3,
    0.844182239838527433e-4,
    -0.261908384015814087e-4,
    0.368991826595316234e-5,
  ];
  if (!(x > 0)) throw new Error(`logGamma needs x > 0, got ${x}`);
  let y = x;
  let tmp = x + 5.24218750000000000;
  tmp = (x + 0.5) * Math.log(tmp) - tmp;
  let series = 0.999999999999997092;
  for (const c of cof) series += c / ++y;
  return tmp + Math.log((2.5066282746310005 * series) / x);
}

/** Continued fraction of the regularized incomplete beta (modified Lentz). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 500; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const step = d * c;
    h *= step;
    if (Math.abs(step - 1) < 1e-15) break;
  }
  return h;
}

/** Regularized incomplete beta function I_x(a, b). */
export function regularizedBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(
    logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) +
      b * Math.log(1 - x),
  );
  return x < (a + 1) / (a + b + 2)
    ? (front * betaContinuedFraction(a, b, x)) / a
    : 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** Student's t cumulative distribution with `df` degrees of freedom. */
export function studentTCdf(t: number, df: number): number {
  const tail = 0.5 * regularizedBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/**
 * Student's t quantile: the `t` with `studentTCdf(t, df) = p` (bisection on
 * the CDF to 1e-12; `scipy.stats.t.ppf`).
 */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1) || !(df > 0)) {
    throw new Error(
      `studentTQuantile needs 0 < p < 1 and df > 0, got p=${p}, df=${df}`,
    );
  }
  if (p === 0.5) return 0;
  if (p < 0.5) return -studentTQuantile(1 - p, df);
  let low = 0;
  let high = 1;
  while (studentTCdf(high, df) < p) high *= 2;
  for (let i = 0; i < 200 && high - low > 1e-12 * Math.max(1, high); i++) {
    const mid = (low + high) / 2;
    if (studentTCdf(mid, df) < p) low = mid;
    else high = mid;
  }
  return (low + high) / 2;
}

/** Standard normal quantile (bisection on {@linkcode normalCdf}; `scipy.stats.norm.ppf`). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) {
    throw new Error(`normalQuantile needs 0 < p < 1, got ${p}`);
  }
  let low = -40;
  let high = 40;
  for (let i = 0; i < 200; i++) {
    const mid = (low + high) / 2;
    if (normalCdf(mid) < p) low = mid;
    else high = mid;
  }
  return (low + high) / 2;
}

/** Standard normal CDF via the complementary error function. */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

/** Complementary error function, as the regularized upper incomplete gamma Q(½, x²). */
export function erfc(x: number): number {
  // erfc(x) = Q(1/2, x^2) for x >= 0, via the incomplete gamma continued fraction.
  if (x < 0) return 2 - erfc(-x);
  if (x === 0) return 1;
  const a = 0.5;
  const z = x * x;
  if (z < a + 1) {
    // series for P(a, z)
    let sum = 1 / a;
    let term = sum;
    for (let n = 1; n < 500; n++) {
      term *= z / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-16) break;
    }
    return 1 - sum * Math.exp(-z + a * Math.log(z) - logGamma(a));
  }
  const tiny = 1e-300;
  let b = z + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 500; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const step = d * c;
    h *= step;
    if (Math.abs(step - 1) < 1e-16) break;
  }
  return Math.exp(-z + a * Math.log(z) - logGamma(a)) * h;
}

/**
 * Wilson score interval of `correct / n`.
 *
 * @example
 * ```ts
 * wilsonInterval(90, 100); // { low: 0.825…, high: 0.944…, level: 0.95, method: "wilson" }
 * ```
 */
export function wilsonInterval(
  correct: number,
  n: number,
  level = 0.95,
): Interval {
  checkCounts(correct, n);
  const z = normalQuantile(1 - (1 - level) / 2);
  const p = correct / n;
  const denominator = 1 + (z * z) / n;
  const centre = (p + (z * z) / (2 * n)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) /
    denominator;
  return {
    low: Math.max(0, centre - half),
    high: Math.min(1, centre + half),
    level,
    method: "wilson",
  };
}

/**
 * Study 002's t-based interval of an accuracy: mean ± t(1−α/2, n−1)·s/√n of
 * the 0/1 correctness scores, clipped to [0, 1]. Needs n ≥ 2.
 */
export function tInterval(correct: number, n: number, level = 0.95): Interval {
  checkCounts(correct, n);
  if (n < 2) {
    throw new Error(`The t interval needs at least 2 test images, got ${n}`);
  }
  const p = correct / n;
  const s = Math.sqrt((p * (1 - p) * n) / (n - 1));
  const half = (studentTQuantile(1 - (1 - level) / 2, n - 1) * s) /
    Math.sqrt(n);
  return {
    low: Math.max(0, p - half),
    high: Math.min(1, p + half),
    level,
    method: "t",
  };
}
