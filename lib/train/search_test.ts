import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import {
  gridSearch,
  halvingSchedule,
  randomSearch,
  rankBest,
  type SearchSpace,
  searchStrategy,
} from "./search.ts";
import { getProfile } from "../profiles.ts";

/** Kernel size x number of filters, study 001's grid. */
const GRID: SearchSpace = {
  kernelSize: [3, 5, 7],
  filters: [32, 64, 96, 128],
};

Deno.test("grid and random candidates", () => {
  const grid = gridSearch(GRID);
  assertEquals(grid.length, 12);
  assertEquals(grid[0], { kernelSize: 3, filters: 32 });
  assertEquals(grid[11], { kernelSize: 7, filters: 128 });
  const picked = randomSearch(GRID, 5, 9);
  assertEquals(picked, randomSearch(GRID, 5, 9));
  assertEquals(new Set(picked.map((p) => JSON.stringify(p))).size, 5);
  assert(
    picked.every((p) =>
      grid.some((g) => JSON.stringify(g) === JSON.stringify(p))
    ),
  );
  assertEquals(randomSearch(GRID, 50, 1).length, 12);
});

Deno.test("halving schedule: epochs x eta per rung up to the cap, floor(n / eta) kept, a lone survivor trained to the cap", () => {
  const full = { eta: 3, minEpochs: 2, maxEpochs: 30 };
  assertEquals(halvingSchedule(144, full), [
    { rung: 0, epochs: 2, trials: 144, kept: 48 },
    { rung: 1, epochs: 6, trials: 48, kept: 16 },
    { rung: 2, epochs: 18, trials: 16, kept: 5 },
    { rung: 3, epochs: 30, trials: 5, kept: 1 },
  ]);
  assertEquals(halvingSchedule(12, full), [
    { rung: 0, epochs: 2, trials: 12, kept: 4 },
    { rung: 1, epochs: 6, trials: 4, kept: 1 },
    { rung: 2, epochs: 30, trials: 1, kept: 1 },
  ]);
  assertEquals(halvingSchedule(1, full), [
    { rung: 0, epochs: 30, trials: 1, kept: 1 },
  ]);
  assertEquals(
    halvingSchedule(4, { eta: 2, minEpochs: 1, maxEpochs: 2 }),
    [
      { rung: 0, epochs: 1, trials: 4, kept: 2 },
      { rung: 1, epochs: 2, trials: 2, kept: 1 },
    ],
  );
  // A first rung at or above the cap is the only rung.
  assertEquals(halvingSchedule(5, { eta: 3, minEpochs: 4, maxEpochs: 4 }), [
    { rung: 0, epochs: 4, trials: 5, kept: 1 },
  ]);
  let threw = false;
  try {
    halvingSchedule(4, { eta: 1, minEpochs: 1, maxEpochs: 4 });
  } catch {
    threw = true;
  }
  assert(threw, "eta 1 never halves");
});

Deno.test("rankBest: highest first, the earlier index on ties", () => {
  assertEquals(rankBest([0.5, 0.7, 0.5, 0.7, 0.1]), [1, 3, 0, 2, 4]);
});

Deno.test("search strategy by profile: smoke and course exhaustive, full halving capped at its epochs", () => {
  assertEquals(searchStrategy(getProfile("smoke")), { kind: "exhaustive" });
  assertEquals(searchStrategy(getProfile("course")), { kind: "exhaustive" });
  assertEquals(searchStrategy(getProfile("full")), {
    kind: "halving",
    eta: 3,
    minEpochs: 2,
    maxEpochs: 30,
  });
});
