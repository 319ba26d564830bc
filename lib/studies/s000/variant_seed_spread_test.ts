/**
 * The robust option across seeds: the goal names each threshold a run
 * misses; the seed-spread table counts per seed, summarises over seeds and
 * says how many seeds meet the goal; the photos wrong across seeds are
 * counted from each check's predictions; a variant trained with several seeds
 * gets one complete record per seed, reused on the next call, and the same
 * records when two local worker processes train them as jobs.
 */
import assert, {
  deepStrictEqual as assertEquals,
  throws as assertThrows,
} from "node:assert/strict";
import { selectBackend } from "../../backend.ts";
import type { ClassifierRunResult } from "../../execute/classifier_run.ts";
import type { PhotoCheckResult } from "../../execute/photo_check.ts";
import { readRun } from "../../runs/record.ts";
import { smallShopSource, tinyProfile } from "../../testing/s000_fixture.ts";
import { temporaryDir } from "../../testing/temp_dir.ts";
import { LocalWorkers } from "../../execute/local_workers.ts";
import { withSearchExecution } from "../../execute/search_runs.ts";
import { comparableRecords } from "../../testing/comparable_records.ts";
import { PRIMARY_VARIANT_JOBS } from "./primary_variant_jobs.ts";
import { photoGoalShortfalls } from "./photo_goal.ts";
import { trainPrimaryVariantSeeds } from "./primary_variant_jobs.ts";
import { primaryVariant } from "./primary_variants.ts";
import { SHOP_PHOTOS } from "./shop_photos.ts";
import { STREET_PHOTOS } from "./street_photos.ts";
import {
  mistakesAcrossSeeds,
  type SeedCheckedRun,
  seedSpreadTable,
} from "./variant_seed_spread.ts";
import type { PhotoSet } from "../../execute/photo_check.ts";
import { join } from "node:path";

/** A photo check with `[className, correct, n]` per class. */
function check(classes: [string, number, number][]): PhotoCheckResult {
  const correct = classes.reduce((a, [, c]) => a + c, 0);
  const n = classes.reduce((a, [, , m]) => a + m, 0);
  return {
    metrics: {
      accuracy: n ? correct / n : 0,
      n,
      correct,
      perClass: classes.map(([className, c, m]) => ({
        className,
        n: m,
        correct: c,
        accuracy: m ? c / m : null,
        wilson95: null,
      })),
    },
  } as unknown as PhotoCheckResult;
}

function seedRun(
  seed: number,
  test: [number, number],
  shop: [number, number, number],
  street: [number, number],
): SeedCheckedRun {
  return {
    seed,
    run: {
      metrics: { accuracy: test[0] / test[1], n: test[1], correct: test[0] },
    } as ClassifierRunResult,
    checks: {
      [SHOP_PHOTOS]: check([
        ["Glasses&Sunglasses", shop[0], 17],
        ["Shoes", shop[1], 93],
        ["Trousers&Jeans", shop[2], 54],
      ]),
      [STREET_PHOTOS]: check([
        ["Glasses&Sunglasses", 0, 0],
        ["Shoes", street[0], 198],
        ["Trousers&Jeans", street[1], 468],
      ]),
    },
  };
}

Deno.test("photoGoalShortfalls: names every threshold a run misses, none when it meets the goal", () => {
  const meets = seedRun(1, [147, 148], [17, 86, 53], [184, 465]);
  assertEquals(photoGoalShortfalls(0.9932, meets.checks), []);
  // 154/164 = 93.9% overall and 83/93 shoes; 178/198 street shoes; 98.0% test.
  const short = seedRun(2, [145, 148], [17, 83, 54], [178, 465]);
  assertEquals(photoGoalShortfalls(145 / 148, short.checks), [
    "stand-in test 98.0%",
    `${SHOP_PHOTOS} 93.9%`,
    `${SHOP_PHOTOS} Shoes 83/93`,
    `${STREET_PHOTOS} Shoes 178/198`,
  ]);
  // 84/93 shoes is 90.3%, 156/164 is 95.1%: on the right side of both lines.
  assertEquals(
    photoGoalShortfalls(
      1,
      seedRun(3, [148, 148], [17, 84, 55], [180, 422]).checks,
    ),
    [],
  );
  assertThrows(
    () =>
      photoGoalShortfalls(1, { [STREET_PHOTOS]: short.checks[STREET_PHOTOS] }),
    new RegExp(`needs the ${SHOP_PHOTOS} check`),
  );
});

Deno.test("seedSpreadTable: counts per seed, mean, sd and range over the seeds, and how many meet the goal", () => {
  const runs = [
    seedRun(42, [147, 148], [17, 83, 54], [181, 462]),
    seedRun(43, [148, 148], [17, 86, 54], [187, 463]),
  ];
  const table = seedSpreadTable(runs, [SHOP_PHOTOS, STREET_PHOTOS]);
  const lines = table.split("\n");
  assert(lines[0].startsWith("Goal: stand-in test ≥ 99%"), lines[0]);
  const header = lines[2].split(" | ");
  assertEquals(header.length, 1 + 1 + 4 + 3 + 1);
  assert(
    !table.includes(`${STREET_PHOTOS} Glasses&Sunglasses`),
    "a class without photos has no column",
  );
  const row42 = lines[4];
  assert(
    row42.startsWith(
      "| 42 | 147/148 | 154/164 | 17/17 | 83/93 | 54/54 | 643/666 | 181/198 | 462/468 |",
    ),
    row42,
  );
  assert(
    row42.includes(`${SHOP_PHOTOS} 93.9%; ${SHOP_PHOTOS} Shoes 83/93 |`),
    row42,
  );
  assert(lines[5].endsWith("| meets it |"), lines[5]);
  const mean = lines[6];
  // Shoes: 83/93 and 86/93 -> mean 90.9%, sd 2.3 points.
  assert(mean.includes("| 90.9% (2.3) |"), mean);
  assert(mean.endsWith("| 1 of 2 seeds meet it |"), mean);
  assert(lines[7].includes("| 89.2%–92.5% |"), lines[7]);
  assertThrows(() => seedSpreadTable([], [SHOP_PHOTOS]), /of no runs/);
  assertThrows(
    () => seedSpreadTable(runs, [SHOP_PHOTOS, "elsewhere"]),
    /seed 42 has no check on elsewhere/,
  );
});

Deno.test({
  name:
    "trainPrimaryVariantSeeds: one complete record per seed, reused on the next call, the same as jobs",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const shop = await smallShopSource();
    const context = {
      profile: tinyProfile(),
      backend: await selectBackend("wasm"),
      seed: 7,
    };
    await using runsDir = await temporaryDir("variant_seeds_");
    const variant = primaryVariant("placement");
    const first = await trainPrimaryVariantSeeds(
      context,
      shop,
      variant,
      [7, 8],
      runsDir.path,
    );
    assertEquals(first.map((r) => r.seed), [7, 8]);
    assertEquals(first.map((r) => r.run.reused), [false, false]);
    assert(first[0].run.runId !== first[1].run.runId);
    const records = await Promise.all(first.map((r) => readRun(r.run.dir)));
    assertEquals(records.map((r) => r?.seed), [7, 8]);
    assertEquals(records.map((r) => r?.status), ["complete", "complete"]);
    const again = await trainPrimaryVariantSeeds(
      context,
      shop,
      variant,
      [7, 8],
      runsDir.path,
    );
    assertEquals(again.map((r) => r.run.reused), [true, true]);
    assertEquals(again.map((r) => r.run.runId), first.map((r) => r.run.runId));
    // As jobs of two local workers, each loading its own seed's sample: the
    // same records as training here.
    await using jobsDir = await temporaryDir("variant_seeds_jobs_");
    const lines: string[] = [];
    const viaJobs = await withSearchExecution(
      {
        executor: new LocalWorkers(2, (line) => lines.push(line)),
        searches: [PRIMARY_VARIANT_JOBS],
      },
      () =>
        trainPrimaryVariantSeeds(context, shop, variant, [7, 8], jobsDir.path),
    );
    assert(lines.some((l) => /2 job\(s\)/.test(l)), lines.join("\n"));
    assertEquals(viaJobs.map((r) => r.run.reused), [false, false]);
    assertEquals(
      await comparableRecords(jobsDir.path),
      await comparableRecords(runsDir.path),
    );
  },
});

Deno.test("mistakesAcrossSeeds: each photo any seed gets wrong, what it was called and with how many seeds", async () => {
  await using dir = await temporaryDir("mistakes_seeds_");
  const classNames = ["Glasses&Sunglasses", "Shoes", "Trousers&Jeans"];
  const photos = {
    dataset: { id: SHOP_PHOTOS, fingerprint: "test" },
    ids: ["a.jpg", "b.jpg", "c.jpg", "d.jpg"],
    arrays: { labels: [1, 1, 2, 0] },
    classNames,
  } as unknown as PhotoSet;
  const runWith = async (seed: number, predicted: number[]) => {
    const checkDir = join(dir.path, `s${seed}`);
    await Deno.mkdir(checkDir);
    await Deno.writeTextFile(
      join(checkDir, "predictions.json"),
      JSON.stringify({
        trueLabels: [1, 1, 2, 0],
        predictedLabels: predicted,
        probabilities: predicted.map(() => [1, 0, 0]),
      }),
    );
    return {
      seed,
      run: {} as ClassifierRunResult,
      checks: { [SHOP_PHOTOS]: { dir: checkDir } as PhotoCheckResult },
    } as SeedCheckedRun;
  };
  const runs = [
    await runWith(1, [2, 1, 2, 0]), // a.jpg called Trousers&Jeans
    await runWith(2, [2, 0, 2, 0]), // a.jpg again, b.jpg called Glasses&Sunglasses
    await runWith(3, [0, 1, 2, 0]), // a.jpg called Glasses&Sunglasses
  ];
  const text = await mistakesAcrossSeeds(runs, photos);
  const lines = text.split("\n");
  assertEquals(
    lines[0],
    `${SHOP_PHOTOS}: 1 photo wrong with all 3 seeds, 1 more with some of them.`,
  );
  assertEquals(lines.slice(4), [
    "| a.jpg | Shoes | Trousers&Jeans (2), Glasses&Sunglasses (1) | 3 of 3 seeds |",
    "| b.jpg | Shoes | Glasses&Sunglasses (1) | 1 of 3 seeds |",
  ]);
  const short = await runWith(4, [1, 1, 2]);
  await assert.rejects(
    () => mistakesAcrossSeeds([short], photos),
    /3 predictions for the 4 photos/,
  );
});
