/**
 * Primary-model variants on real product photos (a few per class, smoke
 * profile): the augmentation composes in its fixed order and is seeded;
 * the tall stretch keeps a small centred object inside the frame; a
 * variant's augmented copies scale with the profile; a CNN variant, a
 * pretrained MobileNetV2 variant and one with its last block fine-tuned
 * each train into a complete, tagged record whose saved model takes the
 * converted arrays; the best-variant rule and the tables read the records.
 * Handed to two local worker processes as one batch of jobs, a CNN and a
 * pretrained variant leave the records of training them here.
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
import { primaryVariant } from "./primary_variants.ts";
import { tallStretchBatch, variantAugment } from "./variant_augment.ts";
import { trainPrimaryVariant, variantCopyCount } from "./variant_training.ts";
import { bestVariant, type VariantResult } from "./variant_tables.ts";
import {
  PRIMARY_VARIANT_JOBS,
  trainPrimaryVariants,
} from "./primary_variant_jobs.ts";
import { loadPrimary } from "./data.ts";
import { LocalWorkers } from "../../execute/local_workers.ts";
import { withSearchExecution } from "../../execute/search_runs.ts";
import { comparableRecords } from "../../testing/comparable_records.ts";
import { smallShopSource, tinyProfile } from "../../testing/s000_fixture.ts";
import type { LevelData, ShopArraysSource } from "./data.ts";
import * as tf from "@tensorflow/tfjs";
import { temporaryDir } from "../../testing/temp_dir.ts";

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

Deno.test("tall stretch: a small centred object gets taller for its width and stays inside the frame", () => {
  const [h, w] = [40, 40];
  const image = new Float32Array(h * w).fill(1);
  for (let r = 15; r < 25; r++) {
    for (let c = 10; c < 30; c++) image[r * w + c] = 0; // 10 tall, 20 wide
  }
  const out = tallStretchBatch(image, [1, h, w, 1], createRng(3));
  const dark = (r: number, c: number) => out[r * w + c] < 0.5;
  const rows = [...Array(h).keys()].filter((r) =>
    [...Array(w).keys()].some((c) => dark(r, c))
  );
  const cols = [...Array(w).keys()].filter((c) =>
    [...Array(h).keys()].some((r) => dark(r, c))
  );
  const [height, width] = [rows.length, cols.length];
  assert(height >= 10 && width <= 20, `${height} x ${width}`);
  assert(rows[0] > 0 && rows.at(-1)! < h - 1, "inside the frame");
});

Deno.test("variantCopyCount: none without augmentation, else the profile's copies times the variant's factor", () => {
  const profile = { variantCopies: 4 };
  assertEquals(variantCopyCount(primaryVariant("mobilenetv2"), profile), 0);
  assertEquals(
    variantCopyCount(
      primaryVariant("mobilenetv2-placement-stretch-backdrop-photometric"),
      profile,
    ),
    4,
  );
  assertEquals(
    variantCopyCount(
      primaryVariant("mobilenetv2-placement-stretch-backdrop-photometric-x4"),
      profile,
    ),
    16,
  );
});

Deno.test("a CNN and a pretrained variant train into complete records whose models take the arrays", async () => {
  const data = await smallData();
  await using runsRootDir = await temporaryDir("test_");
  const runsRoot = runsRootDir.path;
  for (
    const id of [
      "placement",
      "mobilenetv2-placement-stretch-backdrop-photometric",
      "mobilenetv2-finetune-placement-stretch-backdrop-photometric",
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

Deno.test({
  name:
    "variants as one batch of jobs: two local workers leave the records of training here",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const shop = await smallShopSource();
    const tiny = { ...context, profile: tinyProfile() };
    const data = await loadPrimary(shop, tiny.profile, tiny.seed);
    const variants = [
      "placement",
      "mobilenetv2-placement-stretch-backdrop-photometric",
    ].map(primaryVariant);
    await using hereDir = await temporaryDir("variants_here_");
    const here = hereDir.path;
    await using jobsDir = await temporaryDir("variants_jobs_");
    const jobs = jobsDir.path;
    const trained = await trainPrimaryVariants(
      tiny,
      shop,
      data,
      variants,
      here,
    );
    const lines: string[] = [];
    const viaJobs = await withSearchExecution(
      {
        executor: new LocalWorkers(2, (line) => lines.push(line)),
        searches: [PRIMARY_VARIANT_JOBS],
      },
      () => trainPrimaryVariants(tiny, shop, data, variants, jobs),
    );
    assert(lines.some((l) => /2 job\(s\)/.test(l)), lines.join("\n"));
    assertEquals(viaJobs.map((r) => r.reused), [false, false]);
    assertEquals(
      viaJobs.map((r) => r.runId),
      trained.map((r) => r.runId),
    );
    assertEquals(await comparableRecords(jobs), await comparableRecords(here));
  },
});
