/**
 * The Shoes models train with study 000's shoe-orientation augmentation:
 * the four Shoes specs (and only they) carry it, their run records name it
 * in their parameters, it changes what a model learns, and one seed gives
 * the same flips, so the same run twice gives the same predictions. Study
 * 001's grid is checked in `search_test.ts`.
 */
import * as tf from "@tensorflow/tfjs";
import {
  deepStrictEqual as assertEquals,
  notDeepStrictEqual as assertNotEquals,
  ok as assert,
} from "node:assert/strict";
import { join } from "node:path";
import { selectBackend } from "../../backend.ts";
import { createRng } from "../../random.ts";
import { readHeadPredictions, readRun } from "../../runs/record.ts";
import { loadLevel } from "./data.ts";
import { specParams, trainStudyModel } from "./train.ts";
import {
  PRIMARY_BEST,
  STUDY_000_BEST,
  TROUSERS_JEANS_COMBINED,
} from "./specs.ts";
import { categoryModels } from "./catalog.ts";
import { SHOE_AUGMENTATION, studyAugment } from "./shoe_orientation_augment.ts";
import { smallShopSource, tinyProfile } from "../../testing/s000_fixture.ts";

const backend = await selectBackend();

Deno.test("the four Shoes models train with the shoe augmentation, the other models without", () => {
  assertEquals(SHOE_AUGMENTATION, "random-flip");
  const shoes = categoryModels("Shoes");
  assertEquals(shoes.length, 4);
  for (const { spec } of shoes) {
    assertEquals(spec.augmentation, SHOE_AUGMENTATION, spec.name);
    assertEquals(specParams(spec).augmentation, SHOE_AUGMENTATION);
  }
  for (
    const spec of [
      ...Object.values(STUDY_000_BEST["Trousers & Jeans"]),
      ...Object.values(TROUSERS_JEANS_COMBINED),
      PRIMARY_BEST,
    ]
  ) {
    assertEquals(spec.augmentation, undefined, spec.name);
    assert(!("augmentation" in specParams(spec)), spec.name);
  }
});

Deno.test("the shoe augmentation mirrors whole images, the same ones for the same seed", async () => {
  const shape = [16, 6, 5, 3] as const;
  const x = tf.tensor4d(
    Float32Array.from({ length: 16 * 6 * 5 * 3 }, (_, i) => (i * 37) % 251),
    [...shape],
  );
  const augment = studyAugment(SHOE_AUGMENTATION);
  const flips = async (seed: number) => {
    const out = await augment(x, createRng(seed));
    const [same, mirrored] = await Promise.all([
      tf.all(tf.equal(out, x), [1, 2, 3]).data(),
      tf.all(tf.equal(out, tf.reverse(x, 2)), [1, 2, 3]).data(),
    ]);
    // Each image is either itself or its mirror image.
    assert(same.every((s, i) => s || mirrored[i]));
    return Array.from(mirrored, Boolean);
  };
  const a = await flips(11);
  assertEquals(await flips(11), a);
  assert(a.some((f) => f) && a.some((f) => !f), `flips: ${a}`);
  assertNotEquals(await flips(12), a);
});

Deno.test({
  name:
    "a Shoes model's run records the augmentation; the same seed gives the same run, no augmentation a different model",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const source = await smallShopSource();
    const profile = tinyProfile();
    const context = { profile, backend, seed: 9 };
    const spec = STUDY_000_BEST.Shoes.Gender;
    const data = await loadLevel(source, "Shoes", "Gender", profile, 9);
    const train = async (
      root: string,
      s = spec,
    ) => {
      const result = await trainStudyModel(context, {
        spec: s,
        level: "Gender",
        data,
        source,
        category: "Shoes",
        runsRoot: root,
      });
      assertEquals(result.reused, false);
      return result;
    };
    const roots = await Promise.all(
      [0, 1, 2].map(() => Deno.makeTempDir({ prefix: "runs_" })),
    );
    const first = await train(roots[0]);
    const run = await readRun(first.dir);
    assertEquals(run?.status, "complete");
    assertEquals(run?.params.augmentation, "random-flip");
    assertEquals(run?.tags?.model, "Shoes_Gender_L2");

    const again = await train(roots[1]);
    assertEquals(again.runId, first.runId);
    assertEquals(
      (await readHeadPredictions(again.dir)).probabilities,
      (await readHeadPredictions(first.dir)).probabilities,
    );

    const plain = await train(roots[2], { ...spec, augmentation: undefined });
    assert(plain.runId !== first.runId, "the augmentation is in the run id");
    assertEquals(
      (await readRun(join(roots[2], plain.runId)))?.params.augmentation,
      undefined,
    );
    assertNotEquals(
      (await readHeadPredictions(plain.dir)).probabilities,
      (await readHeadPredictions(first.dir)).probabilities,
    );
    for (const root of roots) await Deno.remove(root, { recursive: true });
  },
});
