/**
 * Primary-model variants on real product photos (a few per class, smoke
 * profile): the augmentation composes in its fixed order and is seeded; a
 * CNN variant and a pretrained MobileNetV2 variant each train into a
 * complete, tagged record whose saved model takes the converted arrays;
 * the best-variant rule and the tables read the records.
 */
import {
  deepStrictEqual as assertEquals,
  ok as assert,
  throws as assertThrows,
} from "node:assert/strict";
import { selectBackend } from "../../backend.ts";
import { getProfile } from "../../profiles.ts";
import { createRng } from "../../random.ts";
import { readRun } from "../../runs/record.ts";
import { loadModel } from "../../models/model_files.ts";
import { mainCategoryPhotos } from "../../testing/real_samples.ts";
import type { ClassifierRunResult } from "../../execute/classifier_run.ts";
import type { PhotoCheckResult } from "../../execute/photo_check.ts";
import {
  primaryVariant,
  trainPrimaryVariant,
  variantAugment,
} from "./primary_variants.ts";
import { bestVariant, type VariantResult } from "./variant_tables.ts";
import type { LevelData, ShopArraysSource } from "./data.ts";
import * as tf from "@tensorflow/tfjs";

const backend = await selectBackend("wasm");
const context = { profile: getProfile("smoke"), backend, seed: 3 };
const source: ShopArraysSource = {
  dir: "",
  datasetId: "fashion-product-images",
  fingerprint: "test",
  standIn: "product photos",
};

async function smallData(): Promise<LevelData> {
  const train = await mainCategoryPhotos(4);
  const rest = await mainCategoryPhotos(2, 4);
  return {
    train,
    validation: rest,
    test: rest,
    classNames: train.classNames,
  } as LevelData;
}

Deno.test("variant augmentation: seeded, shape-keeping, none for no steps; an unknown id names the known ones", () => {
  assertEquals(variantAugment([]), undefined);
  const fn = variantAugment(["photometric", "placement", "backdrop"])!;
  const rng = createRng(1);
  const batch = Float32Array.from({ length: 2 * 12 * 9 * 3 }, () => rng.next());
  const a = fn(batch, [2, 12, 9, 3], createRng(5));
  assertEquals(a.length, batch.length);
  assertEquals(a, fn(batch, [2, 12, 9, 3], createRng(5)));
  assertThrows(() => primaryVariant("nope"), /study, orientation/);
});

Deno.test("a CNN and a pretrained variant train into complete records whose models take the arrays", async () => {
  const data = await smallData();
  const runsRoot = await Deno.makeTempDir();
  for (
    const id of [
      "placement",
      "mobilenetv2-placement-stretch-backdrop-photometric",
    ]
  ) {
    const variant = primaryVariant(id);
    const result = await trainPrimaryVariant(
      context,
      source,
      data,
      variant,
      runsRoot,
    );
    const run = await readRun(result.dir);
    assertEquals(run?.status, "complete");
    assertEquals(run?.tags?.variant, id);
    assertEquals(run?.tags?.study, "000");
    assertEquals(result.metrics.n, data.test.labels.length);
    const model = await loadModel(`${result.dir}/model`);
    const out = model.predict(tf.zeros([1, 120, 90, 3])) as tf.Tensor;
    assertEquals(out.shape, [1, 3]);
    tf.dispose(out);
    model.dispose();
    const again = await trainPrimaryVariant(
      context,
      source,
      data,
      variant,
      runsRoot,
    );
    assert(again.reused);
    assertEquals(again.runId, result.runId);
  }
});

Deno.test("bestVariant: the highest lowest per-class accuracy over the photo checks, then the test accuracy", () => {
  const check = (accuracies: number[]) =>
    ({
      metrics: {
        perClass: accuracies.map((a, k) => ({
          className: `c${k}`,
          n: 10,
          correct: a * 10,
          accuracy: a,
          wilson95: null,
        })),
      },
    }) as unknown as PhotoCheckResult;
  const result = (id: string, test: number, shop: number[], street: number[]) =>
    ({
      variant: primaryVariant(id),
      run: { metrics: { accuracy: test } } as ClassifierRunResult,
      checks: { shop: check(shop), street: check(street) },
    }) as VariantResult;
  const a = result("study", 0.99, [1, 0.5], [0.9]);
  const b = result("placement", 0.9, [0.8, 0.8], [0.85]);
  const c = result("backdrop", 0.95, [0.8, 0.9], [0.8]);
  assertEquals(bestVariant([a, b, c]).variant.id, "backdrop"); // ties with placement, higher test accuracy
  assertEquals(bestVariant([a, b]).variant.id, "placement");
  const d = result("orientation", 0.99, [0.8, 0.8], [0.9]);
  assertEquals(bestVariant([a, b, d]).variant.id, "orientation");
});
