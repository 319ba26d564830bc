/**
 * Study 000's primary search and study 001's Shoes grid on real product
 * photos (10 per class): profile-sized candidates, the winner is the trial
 * with the highest validation accuracy, the test set is evaluated once (a
 * rerun reuses every record), and every record carries its tags.
 */
import {
  deepStrictEqual as assertEquals,
  ok as assert,
  throws as assertThrows,
} from "node:assert/strict";
import { join } from "node:path";
import { selectBackend } from "../../backend.ts";
import { MAIN_CATEGORIES } from "../../data/labels/label_tree.ts";
import { readRun } from "../../runs/record.ts";
import { gridSearch } from "../../train/search.ts";
import { STUDY_001_GRID } from "../s001/shoes_grid.ts";
import { loadPrimary } from "./data.ts";
import {
  PRIMARY_PREFERRED,
  PRIMARY_SPACE,
  profileCandidates,
  runPrimarySearch,
} from "./search.ts";
import { runShoesGrid001 } from "../s001/shoes_grid.ts";
import { smallShopSource, tinyProfile } from "../../testing/s000_fixture.ts";
import { temporaryDir } from "../../testing/temp_dir.ts";

const backend = await selectBackend();

Deno.test("profile candidates: one, a seeded subset starting with the preferred one, or the whole grid", () => {
  const one = profileCandidates(
    PRIMARY_SPACE,
    { grid: "one", maxTrials: 1 },
    1,
    PRIMARY_PREFERRED,
  );
  assertEquals(one, [PRIMARY_PREFERRED]);
  const subset = profileCandidates(
    PRIMARY_SPACE,
    { grid: "subset", maxTrials: 3 },
    1,
    PRIMARY_PREFERRED,
  );
  assertEquals(subset.length, 3);
  assertEquals(subset[0], PRIMARY_PREFERRED);
  assertEquals(new Set(subset.map((p) => JSON.stringify(p))).size, 3);
  const grid = gridSearch(PRIMARY_SPACE).map((p) => JSON.stringify(p));
  assert(subset.every((p) => grid.includes(JSON.stringify(p))));
  assertEquals(
    subset,
    profileCandidates(PRIMARY_SPACE, { grid: "subset", maxTrials: 3 }, 1, {
      ...PRIMARY_PREFERRED,
    }),
  );
  assert(
    JSON.stringify(subset) !==
      JSON.stringify(
        profileCandidates(
          PRIMARY_SPACE,
          { grid: "subset", maxTrials: 3 },
          2,
          PRIMARY_PREFERRED,
        ),
      ),
  );
  const full = profileCandidates(STUDY_001_GRID, {
    grid: "full",
    maxTrials: Number.POSITIVE_INFINITY,
  }, 1);
  assertEquals(full.length, 12);
  assertThrows(
    () =>
      profileCandidates(STUDY_001_GRID, { grid: "one", maxTrials: 1 }, 1, {
        kernelSize: 4,
        filters: 32,
      }),
    /not in the search space/,
  );
});

Deno.test("primary task: the three main categories from each category's files, capped per class", async () => {
  const source = await smallShopSource();
  const data = await loadPrimary(source, tinyProfile(), 3);
  assertEquals(data.classNames, [...MAIN_CATEGORIES].sort());
  for (const [split, cap] of [["train", 4], ["test", 2]] as const) {
    const counts: number[] = data.classNames.map((_, k) =>
      Array.from(data[split].labels).filter((l) => l === k).length
    );
    assert(counts.every((c) => c > 0 && c <= cap), `${split}: ${counts}`);
  }
});

Deno.test({
  name:
    "primary search: the chosen trial has the highest validation accuracy, the test set is evaluated once, records tagged",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    await using rootDir = await temporaryDir("runs_");
    const root = rootDir.path;
    const source = await smallShopSource();
    const context = {
      profile: tinyProfile({ grid: "subset", maxTrials: 2 }),
      backend,
      seed: 5,
    };
    let testCalls = 0;
    const first = await runPrimarySearch(context, source, root, () => {
      testCalls++;
    });
    assertEquals(first.trials.length, 2);
    assertEquals(testCalls, 1);
    const bestVal = Math.max(...first.trials.map((t) => t.valAccuracy));
    assertEquals(first.best.valAccuracy, bestVal);
    assertEquals(
      first.best.runId,
      first.trials.find((t) => t.valAccuracy === bestVal)!.runId,
    );
    assertEquals(first.metrics.n, first.data.test.labels.length);
    assertEquals(
      first.metrics.confusion.flat().reduce((a, b) => a + b, 0),
      first.metrics.n,
    );
    for (const id of [...first.trials.map((t) => t.runId), first.testRunId]) {
      const run = await readRun(join(root, id));
      assertEquals(run?.status, "complete");
      assertEquals(run?.tags?.study, "000");
      assertEquals(run?.tags?.model, "Primary_Classification");
      assertEquals(run?.tags?.level, "Primary");
      assertEquals(run?.tags?.profile, "smoke");
      assertEquals(run?.params.learningRate, 1e-4);
    }
    const again = await runPrimarySearch(context, source, root, () => {
      testCalls++;
    });
    assertEquals(testCalls, 1, "the test set must not be evaluated again");
    assert(again.trials.every((t) => t.reused));
    assertEquals(again.testRunId, first.testRunId);
  },
});

Deno.test({
  name:
    "study 001 Shoes grid: flat Shoes-Gender-Type labels, trials tagged study 001 and trained with the shoe augmentation",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    await using rootDir = await temporaryDir("runs_");
    const root = rootDir.path;
    const source = await smallShopSource();
    const result = await runShoesGrid001(
      { profile: tinyProfile(), backend, seed: 5 },
      source,
      root,
    );
    assert(result.data.classNames.length > 4);
    assert(
      result.data.classNames.every((c) => /^Shoes-(Male|Female)-.+/.test(c)),
      result.data.classNames.join(", "),
    );
    assertEquals(result.trials.length, 1);
    assertEquals(result.trials[0].params.kernelSize, 3);
    assertEquals(result.trials[0].params.filters, 32);
    for (const id of [result.trials[0].runId, result.testRunId]) {
      const run = await readRun(join(root, id));
      assertEquals(run?.tags?.study, "001");
      assertEquals(run?.tags?.model, "Shoes_Combined_001");
      assertEquals(run?.tags?.level, "All");
      assertEquals(run?.params.augmentation, "random-flip");
    }
    assertEquals(result.metrics.classNames, result.data.classNames);
  },
});
