/**
 * The shop photos as a photo check: the 164 real photos load with their
 * main categories, a trained primary model's saved weights score them into
 * a complete record (per class n, correct, Wilson interval; every mistake;
 * capped thumbnails), the same check is reused, and bad inputs say what is
 * wrong.
 */
import {
  deepStrictEqual as assertEquals,
  ok as assert,
  rejects as assertRejects,
  throws as assertThrows,
} from "node:assert/strict";
import { join } from "node:path";
import sharp from "sharp";
import { selectBackend } from "../../backend.ts";
import { getProfile } from "../../profiles.ts";
import { acquireDatasets } from "../../data/acquire/acquire.ts";
import { buildStudyCnn } from "../../models/study_cnn.ts";
import { runClassifier } from "../../execute/classifier_run.ts";
import { readRun } from "../../runs/record.ts";
import { readGallery } from "../../runs/photo_check_metrics.ts";
import { mainCategoryPhotos } from "../../testing/real_samples.ts";
import { mirrorDir } from "../../testing/mirror.ts";
import {
  checkPrimaryOnPhotos,
  shopPhotoCategory,
  shopPhotos,
} from "./shop_photos.ts";
import { temporaryDir } from "../../testing/temp_dir.ts";

const backend = await selectBackend("wasm");
const context = { profile: getProfile("smoke"), backend, seed: 5 };
const dataRoot = await Deno.makeTempDir();
Deno.env.set("FASHION_DATA_DIR", dataRoot);
await acquireDatasets(["fashion-shop-samples"], { mirror: mirrorDir() });

Deno.test("a shop photo's file name gives its main category; an odd name is refused by name", () => {
  assertEquals(
    shopPhotoCategory("00003_14825578_Glasses & Sunglasses.jpg"),
    "Glasses&Sunglasses",
  );
  assertEquals(shopPhotoCategory("11471_14991793_Shoes.jpg"), "Shoes");
  assertThrows(() => shopPhotoCategory("123_Hats.jpg"), /123_Hats\.jpg/);
});

Deno.test("the 164 shop photos: 17 Glasses&Sunglasses, 93 Shoes, 54 Trousers&Jeans, as 120 x 90", async () => {
  const names = ["Glasses&Sunglasses", "Shoes", "Trousers&Jeans"];
  const set = await shopPhotos(names);
  assertEquals(set.ids.length, 164);
  assertEquals(set.arrays.images.length, 164 * 120 * 90 * 3);
  assertEquals(
    names.map((_, k) =>
      Array.from(set.arrays.labels).filter((l) => l === k).length
    ),
    [17, 93, 54],
  );
  assertEquals(set.dataset.id, "fashion-shop-samples");
  await assertRejects(
    () => shopPhotos(["Shoes", "Trousers&Jeans"]),
    /lack Glasses&Sunglasses/,
  );
});

Deno.test("a trained primary model is checked on the shop photos into a complete, reusable record", async () => {
  await using runsRootDir = await temporaryDir("test_");
  const runsRoot = runsRootDir.path;
  const train = await mainCategoryPhotos(6);
  const test = await mainCategoryPhotos(2, 6);
  const trained = await runClassifier({
    name: "Primary_Classification test",
    study: "000",
    build: (seed) =>
      buildStudyCnn({
        architecture: "dense",
        kernelSize: 3,
        filters: 8,
        classes: 3,
        seed,
      }),
    params: { filters: 8 },
    data: { train, validation: test, test, classNames: train.classNames },
    dataset: { id: "fashion-product-images", fingerprint: "test" },
    profile: context.profile,
    seed: context.seed,
    backend,
    runsRoot,
  });
  const photos = await shopPhotos(train.classNames);
  await assertRejects(
    () => checkPrimaryOnPhotos(context, "no-such-run", photos, { runsRoot }),
    /not a complete run/,
  );
  const check = await checkPrimaryOnPhotos(
    context,
    trained.runId,
    photos,
    { runsRoot },
  );
  assert(!check.reused);
  const m = check.metrics;
  assertEquals(m.n, 164);
  assertEquals(m.modelRunId, trained.runId);
  const expected: Record<string, number> = {
    "Glasses&Sunglasses": 17,
    Shoes: 93,
    "Trousers&Jeans": 54,
  };
  assertEquals(
    m.perClass.map((c) => c.n),
    train.classNames.map((name) => expected[name]),
  );
  assertEquals(m.perClass.reduce((a, c) => a + c.correct, 0), m.correct);
  assertEquals(m.misclassified.length, m.n - m.correct);
  for (const c of m.perClass) {
    assert(c.wilson95!.low <= c.accuracy! && c.accuracy! <= c.wilson95!.high);
  }
  const confidences = m.misclassified.map((x) => x.confidence);
  assertEquals(confidences, [...confidences].sort((a, b) => b - a));
  const run = await readRun(check.dir);
  assertEquals(run?.status, "complete");
  assertEquals(run?.tags?.check, "photos");
  assertEquals(run?.files.includes("model/model.json"), false);
  const gallery = await readGallery(check.dir);
  assertEquals(gallery.length, Math.min(48, m.misclassified.length));
  if (gallery.length) {
    const meta = await sharp(
      Uint8Array.from(atob(gallery[0].png), (c) => c.charCodeAt(0)),
    ).metadata();
    assertEquals([meta.width, meta.height, meta.format], [90, 120, "png"]);
    assertEquals(gallery[0].id, m.misclassified[0].id);
  }
  const again = await checkPrimaryOnPhotos(
    context,
    trained.runId,
    photos,
    { runsRoot },
  );
  assert(again.reused);
  assertEquals(again.runId, check.runId);
  assertEquals(again.metrics, m);
  assert(
    JSON.parse(await Deno.readTextFile(join(check.dir, "photos.json"))).ids
      .length === 164,
  );
});
