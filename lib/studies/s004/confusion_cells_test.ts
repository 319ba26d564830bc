/** The study's quoted confusion cells beside ours, on a synthetic matrix. */
import {
  deepStrictEqual as assertEquals,
  ok as assert,
  throws as assertThrows,
} from "node:assert/strict";
import { FASHION_MNIST_CLASSES } from "../../data/acquire/catalog.ts";
import { STUDY_004_CONFUSION_CELLS } from "../../published/published.ts";
import {
  compareConfusionCells,
  confusionCellsMarkdown,
} from "./confusion_cells.ts";

const classes = [...FASHION_MNIST_CLASSES];
const T_SHIRT = classes.indexOf("T-shirt/top");
const SHIRT = classes.indexOf("Shirt");
const TROUSER = classes.indexOf("Trouser");
const BAG = classes.indexOf("Bag");

/**
 * A 10 x 10 matrix with 100 images per class: each given cell `[true,
 * predicted, count]` off the diagonal takes its count from the diagonal.
 */
function matrix(cells: [number, number, number][]): number[][] {
  const m: number[][] = classes.map((_, i) =>
    classes.map((_, j) => (i === j ? 100 : 0))
  );
  for (const [i, j, count] of cells) {
    m[i][j] += count;
    m[i][i] -= count;
  }
  return m;
}

Deno.test("compareConfusionCells: our count, n and share for every quoted cell", () => {
  const COAT = classes.indexOf("Coat");
  const m = matrix([[SHIRT, T_SHIRT, 25], [SHIRT, COAT, 15], [
    TROUSER,
    BAG,
    3,
  ]]);
  const rows = compareConfusionCells(m, classes);
  assertEquals(rows.length, STUDY_004_CONFUSION_CELLS.length);
  assertEquals(
    rows.map((
      r,
    ) => [
      r.published.trueClass,
      r.published.predictedClass,
      r.ourCount,
      r.ourN,
    ]),
    [
      ["Shirt", "Shirt", 60, 100],
      ["Shirt", "T-shirt/top", 25, 100],
      ["Trouser", "Trouser", 97, 100],
      ["Bag", "Bag", 100, 100],
    ],
  );
  assertEquals(rows.map((r) => r.studyRate), [0.65, 0.158, 0.966, 0.966]);
  assertEquals(rows[0].ourRate, 0.6);
  assert(rows[0].ourWilson95!.low < 0.6 && rows[0].ourWilson95!.high > 0.6);
  assertEquals(rows[3].ourWilson95!.high, 1);
});

Deno.test("compareConfusionCells: a class without images has no share; unknown classes throw", () => {
  const m = matrix([]);
  m[BAG] = m[BAG].map(() => 0);
  const rows = compareConfusionCells(m, classes);
  assertEquals(rows[3].ourN, 0);
  assertEquals(rows[3].ourRate, null);
  assertEquals(rows[3].ourWilson95, null);
  assertThrows(
    () => compareConfusionCells([[1]], ["Shirt"]),
    /class "T-shirt\/top" is not in the confusion matrix/,
  );
});

Deno.test("confusionCellsMarkdown: the study's count / n beside ours, one row per cell", () => {
  const rows = compareConfusionCells(matrix([[SHIRT, T_SHIRT, 30]]), classes);
  const md = confusionCellsMarkdown(rows).split("\n");
  assertEquals(md.length, 2 + rows.length);
  assert(
    md[2].startsWith(
      "| Shirt classified correctly | 650 / 1000 | 65.0% | 72 | 70 / 100 | 70.0% (",
    ),
  );
  assert(
    md[3].startsWith(
      "| Shirt taken for T-shirt/top | 158 / 1000 | 15.8% | 72 | 30 / 100 |",
    ),
  );
  assert(
    md[4].includes(
      "| Trouser classified correctly | 966 / 1000 | 96.6% | 75 |",
    ),
  );
  assert(
    md[5].includes("| Bag classified correctly | 966 / 1000 | 96.6% | 76 |"),
  );
});
