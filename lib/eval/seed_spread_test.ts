import {
  deepStrictEqual as assertEquals,
  ok as assert,
  throws,
} from "node:assert/strict";
import { formatSeedSpread, replicateSeeds, seedSpread } from "./seed_spread.ts";

Deno.test("seedSpread: mean, sample standard deviation and range", () => {
  const s = seedSpread([0.9, 0.92, 0.91]);
  assertEquals(s.n, 3);
  assert(Math.abs(s.mean - 0.91) < 1e-12);
  assert(Math.abs(s.sd - 0.01) < 1e-12);
  assertEquals([s.min, s.max], [0.9, 0.92]);
  assertEquals(seedSpread([0.5]).sd, 0);
  throws(() => seedSpread([]), /at least one/);
  throws(() => seedSpread([0.5, NaN]), /NaN is not a finite number/);
});

Deno.test("replicateSeeds: the run seed first, then the next ones", () => {
  assertEquals(replicateSeeds(42, 3), [42, 43, 44]);
  assertEquals(replicateSeeds(7, 0), [7]);
});

Deno.test("formatSeedSpread says mean, sd and range", () => {
  assertEquals(
    formatSeedSpread(seedSpread([0.9, 0.92, 0.91])),
    "mean 91.00% over 3 seeds (sd 1.00 points, range 90.00–92.00%)",
  );
  assertEquals(formatSeedSpread(seedSpread([0.9])), "a single seed");
});
