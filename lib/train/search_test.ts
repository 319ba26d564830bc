import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import { gridSearch, randomSearch, type SearchSpace } from "./search.ts";

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
