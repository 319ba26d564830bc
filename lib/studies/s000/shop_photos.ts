/**
 * The fashion shop's own photos as a check of the primary model: the 164
 * sample photos of the study's shop (`fashion-shop-samples`: white-background
 * product shots at 300 x 400, main category in the file name) converted with
 * the same pipeline as every training image, labelled with the main
 * category, and each primary model scored on them
 * (`lib/execute/photo_check.ts`). The photos never enter training or model
 * selection: they are the study's domain, while the models train on the
 * stand-in.
 *
 * @module
 */
import { join } from "node:path";
import { datasetDir, readFingerprint } from "../../data/acquire/fingerprint.ts";
import { MAIN_CATEGORIES, TAXONOMY } from "../../data/labels/label_tree.ts";
import {
  checkOnPhotos,
  convertPhotoSet,
  type PhotoCheckResult,
  type PhotoSet,
} from "../../execute/photo_check.ts";
import type { LabContext } from "../../runs/lab_context.ts";
import { DEFAULT_RUNS_ROOT } from "../../runs/record.ts";
import { PRIMARY_BEST } from "./specs.ts";

/** The catalog id of the shop's sample photos. */
export const SHOP_PHOTOS = "fashion-shop-samples";

/** The main category a shop photo's file name (`NNNNN_<productId>_<Category>.jpg`) names. */
export function shopPhotoCategory(fileName: string): string {
  const named = fileName.replace(/\.jpg$/i, "").split("_").at(-1) ?? "";
  const category = MAIN_CATEGORIES.find((c) => TAXONOMY[c].fileName === named);
  if (!category) {
    throw new Error(
      `${fileName}: the file name names no main category (expected NNNNN_<productId>_<${
        MAIN_CATEGORIES.map((c) => TAXONOMY[c].fileName).join(" | ")
      }>.jpg)`,
    );
  }
  return category;
}

/**
 * The shop's sample photos as a photo set for a model with `classNames`
 * (the primary model's main categories), converted to 120 x 90.
 *
 * @throws naming every photo that could not be converted, or whose category
 * the model does not know.
 */
export async function shopPhotos(
  classNames: readonly string[],
  dir: string = datasetDir(SHOP_PHOTOS),
): Promise<PhotoSet> {
  const names = [...Deno.readDirSync(dir)]
    .filter((e) => e.isFile && /\.jpg$/i.test(e.name))
    .map((e) => e.name)
    .sort();
  const fingerprint = await readFingerprint(SHOP_PHOTOS);
  return await convertPhotoSet(
    names.map((name) => ({
      id: name,
      path: join(dir, name),
      className: shopPhotoCategory(name),
    })),
    classNames,
    { id: SHOP_PHOTOS, fingerprint: fingerprint.sha256 },
    "the fashion shop's own sample photos (white-background product shots, 300 x 400), main category from the file name",
  );
}

/**
 * Scores a primary model's run (the search's test run, or any run with a
 * saved 3-class model) on a set of photos from outside its data, recorded
 * as a photo check named `<model> on <photos>` and tagged study `000`, the
 * model's name and level `Primary`.
 */
export async function checkPrimaryOnPhotos(
  context: LabContext,
  modelRunId: string,
  photos: PhotoSet,
  options: { runsRoot?: string; model?: string } = {},
): Promise<PhotoCheckResult> {
  const root = options.runsRoot ?? DEFAULT_RUNS_ROOT;
  const model = options.model ?? PRIMARY_BEST.name;
  return await checkOnPhotos({
    modelRunDir: join(root, modelRunId),
    photos,
    name: `${model} on ${photos.dataset.id}`,
    context,
    tags: { study: "000", model, level: "Primary" },
    runsRoot: options.runsRoot,
  });
}
