/**
 * How the notebooks and the report write accuracies: percentages with one
 * decimal, intervals as `low–high%`.
 *
 * @module
 */
import type { Interval } from "./intervals.ts";

/** `0.8712` -> `"87.1%"` (`digits` decimals, default 1); `"–"` for a missing or non-finite value. */
export function formatPercent(
  value: number | null | undefined,
  digits = 1,
): string {
  return value === null || value === undefined || !Number.isFinite(value)
    ? "–"
    : `${(100 * value).toFixed(digits)}%`;
}

/** `{ low: 0.812, high: 0.92 }` -> `"81.2–92.0%"`. */
export function formatInterval(
  interval: Pick<Interval, "low" | "high">,
): string {
  return `${(100 * interval.low).toFixed(1)}–${formatPercent(interval.high)}`;
}

/** `87.1% (81.2–92.0%)`: an accuracy and, when given, its interval. */
export function formatAccuracy(
  accuracy: number,
  interval?: Pick<Interval, "low" | "high">,
): string {
  const text = formatPercent(accuracy);
  return interval ? `${text} (${formatInterval(interval)})` : text;
}
