/**
 * A small real source for the study 000 / 001 tests: the product photos
 * converted at 10 images per class (seeded) into a temporary folder, in the
 * authors' layout, once per test process.
 *
 * @module
 */
import { join } from "node:path";
import { convertDataset } from "../data/images/convert_dataset.ts";
import { datasetDir } from "./mirror.ts";
import { getProfile, type Profile } from "../profiles.ts";
import type { ShopArraysSource } from "../studies/s000/data.ts";

let cached: Promise<ShopArraysSource> | undefined;

/** The converted sample (10 photos per class of the stand-in's tree). */
export function smallShopSource(): Promise<ShopArraysSource> {
  cached ??= (async () => {
    const dir = join(await Deno.makeTempDir({ prefix: "shop_" }), "arrays");
    await convertDataset({
      dataset: "fashion-product-images",
      inDir: datasetDir("fashion-product-images"),
      outDir: dir,
      limitPerClass: 10,
      seed: 7,
    });
    return {
      dir,
      datasetId: "fashion-product-images",
      fingerprint: "test-sample",
      standIn: "product photos, 10 per class (test sample)",
    };
  })();
  return cached;
}

/** The smoke profile cut down further for tests: 4 training and 2 evaluation images per class. */
export function tinyProfile(overrides: Partial<Profile> = {}): Profile {
  return {
    ...getProfile("smoke"),
    maxTrainPerClass: 4,
    maxEvalPerClass: 2,
    ...overrides,
  };
}
