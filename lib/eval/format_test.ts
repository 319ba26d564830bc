import assert from "node:assert/strict";
import { formatAccuracy, formatInterval, formatPercent } from "./format.ts";

Deno.test("accuracies are written as percentages with one decimal, intervals as low–high%", () => {
  assert.equal(formatPercent(0.8712), "87.1%");
  assert.equal(formatPercent(1), "100.0%");
  assert.equal(formatPercent(0), "0.0%");
  assert.equal(formatPercent(0.95613, 2), "95.61%");
  assert.equal(formatPercent(null), "–");
  assert.equal(formatPercent(undefined), "–");
  assert.equal(formatPercent(NaN), "–");
  assert.equal(formatInterval({ low: 0.812, high: 0.92 }), "81.2–92.0%");
  assert.equal(formatAccuracy(0.5), "50.0%");
  assert.equal(
    formatAccuracy(0.871, { low: 0.812, high: 0.92 }),
    "87.1% (81.2–92.0%)",
  );
});
