/**
 * The robust option's data curve: a cap of training photos per class gives
 * a run of its own (the cap among its parameters) while every run at the
 * profile's own cap keeps its id; the table gives each cap's mean and sd
 * over its seeds and how many seeds meet the goal, the profile's own cap
 * last.
 */
import {
  deepStrictEqual as assertEquals,
  notStrictEqual as assertNotEquals,
  ok as assert,
  throws as assertThrows,
} from "node:assert/strict";
import type { ClassifierRunResult } from "../../execute/classifier_run.ts";
import type { PhotoCheckResult } from "../../execute/photo_check.ts";
import { getProfile } from "../../profiles.ts";
import { primaryVariant, ROBUST_PRIMARY } from "./primary_variants.ts";
import { SHOP_PHOTOS } from "./shop_photos.ts";
import { dataCurveTable } from "./variant_data_curve.ts";
import type { SeedCheckedRun } from "./variant_seed_spread.ts";
import { primaryVariantRunId, withTrainCap } from "./variant_training.ts";

Deno.test("withTrainCap: a capped variant run has an id of its own; uncapped ids stay as they were", () => {
  const full = getProfile("full");
  for (const id of [ROBUST_PRIMARY, "placement"]) {
    const variant = primaryVariant(id);
    const own = primaryVariantRunId(variant, full, 42);
    const capped = primaryVariantRunId(variant, withTrainCap(full, 200), 42);
    const capped400 = primaryVariantRunId(
      variant,
      withTrainCap(full, 400),
      42,
    );
    assertNotEquals(own, capped);
    assertNotEquals(capped, capped400);
    // The profile's own cap, set explicitly, is no cap of the curve.
    const course = getProfile("course");
    assertEquals(
      primaryVariantRunId(variant, withTrainCap(course, 200), 42),
      primaryVariantRunId(variant, course, 42),
    );
  }
  assertEquals(withTrainCap(full, 200).maxTrainPerClass, 200);
  assertEquals(full.maxTrainPerClass, null, "the profile itself is unchanged");
  assertThrows(() => withTrainCap(full, 0), /positive whole number.*got 0/);
  assertThrows(() => withTrainCap(full, 2.5), /got 2.5/);
});

function seedRun(seed: number, test: number, shoes: number): SeedCheckedRun {
  const perClass = [
    ["Glasses&Sunglasses", 17, 17],
    ["Shoes", shoes, 93],
    ["Trousers&Jeans", 54, 54],
  ] as const;
  const correct = 17 + shoes + 54;
  return {
    seed,
    run: {
      metrics: { accuracy: test / 100, n: 100, correct: test },
    } as ClassifierRunResult,
    checks: {
      [SHOP_PHOTOS]: {
        metrics: {
          accuracy: correct / 164,
          n: 164,
          correct,
          perClass: perClass.map(([className, c, n]) => ({
            className,
            n,
            correct: c,
            accuracy: c / n,
            wilson95: null,
          })),
        },
      } as unknown as PhotoCheckResult,
    },
  };
}

Deno.test("dataCurveTable: per cap the mean (sd) of every column over the seeds and the seeds that meet the goal", () => {
  const table = dataCurveTable(
    [
      { perClass: 200, runs: [seedRun(42, 99, 80), seedRun(43, 99, 86)] },
      { perClass: null, runs: [seedRun(42, 100, 86), seedRun(43, 100, 88)] },
    ],
    [SHOP_PHOTOS],
    "all",
  );
  const lines = table.split("\n");
  assertEquals(lines.length, 4);
  assert(
    lines[0].startsWith(
      "| training photos per class | stand-in test: mean (sd) |",
    ),
    lines[0],
  );
  // Shoes 80 and 86 of 93: mean 89.2%, sd 4.6 points; only the second seed
  // meets the goal (157 of 164 shop photos; the first has 151).
  assert(lines[2].startsWith("| at most 200 | 99.0% (0.0) |"), lines[2]);
  assert(lines[2].includes("| 89.2% (4.6) |"), lines[2]);
  assert(lines[2].endsWith("| 1 of 2 |"), lines[2]);
  assert(lines[3].startsWith("| all | 100.0% (0.0) |"), lines[3]);
  assert(lines[3].endsWith("| 2 of 2 |"), lines[3]);
  assertThrows(() => dataCurveTable([], [SHOP_PHOTOS], "all"), /no points/);
});
