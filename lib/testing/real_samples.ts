/**
 * Small samples of real images for tests, read straight from the dataset
 * mirror (`FASHION_MIRROR`, default `../shared/datasets`): product photos
 * labelled with their main category, and Fashion-MNIST digits per class.
 *
 * @module
 */
import { join } from "node:path";
import { MAIN_CATEGORIES } from "../data/labels/label_tree.ts";
import { mapStyleRow } from "../data/labels/style_rules.ts";
import { readStylesCsv } from "../data/labels/styles_csv.ts";
import { decodeToRgb } from "../data/images/decode.ts";
import { loadFashionMnist } from "../data/formats/idx.ts";
import { datasetDir } from "./mirror.ts";
import type { LabelledArrays } from "../data/labelled_arrays.ts";

/**
 * The first `perClass` product photos (by id, after `skip`) of each main
 * category, decoded to 120x90 RGB uint8.
 */
export async function mainCategoryPhotos(
  perClass: number,
  skip = 0,
): Promise<LabelledArrays & { classNames: string[] }> {
  const dir = datasetDir("fashion-product-images");
  const styles = await readStylesCsv(join(dir, "styles.csv"));
  const byClass: string[][] = MAIN_CATEGORIES.map(() => []);
  const seen = MAIN_CATEGORIES.map(() => 0);
  for (
    const row of [...styles.rows].sort((a, b) => Number(a.id) - Number(b.id))
  ) {
    const mapped = mapStyleRow(row);
    if (mapped.kind !== "label") continue;
    const k = MAIN_CATEGORIES.indexOf(mapped.label.category);
    if (seen[k]++ < skip) continue;
    if (byClass[k].length < perClass) {
      byClass[k].push(join(dir, "images", `${row.id}.jpg`));
    }
  }
  const images = new Uint8Array(
    perClass * MAIN_CATEGORIES.length * 120 * 90 * 3,
  );
  const labels: number[] = [];
  for (const [k, paths] of byClass.entries()) {
    if (paths.length < perClass) {
      throw new Error(`only ${paths.length} photos of ${MAIN_CATEGORIES[k]}`);
    }
    for (const path of paths) {
      images.set(await decodeToRgb(path), labels.length * 120 * 90 * 3);
      labels.push(k);
    }
  }
  return {
    images,
    shape: [120, 90, 3],
    labels,
    classNames: [...MAIN_CATEGORIES],
  };
}

/** `perClass` Fashion-MNIST test images of each class, after `skip` of each. */
export async function fashionMnistPerClass(
  perClass: number,
  skip = 0,
): Promise<LabelledArrays & { classNames: string[] }> {
  const data = await loadFashionMnist(datasetDir("fashion-mnist"));
  const picked: number[] = [];
  for (let k = 0; k < 10; k++) {
    let seen = 0;
    for (
      let i = 0;
      i < data.test.count &&
      picked.filter((p) => data.test.labels[p] === k).length < perClass;
      i++
    ) {
      if (data.test.labels[i] === k && seen++ >= skip) picked.push(i);
    }
  }
  const size = 28 * 28;
  const images = new Uint8Array(picked.length * size);
  picked.forEach((i, j) =>
    images.set(data.test.images.subarray(i * size, (i + 1) * size), j * size)
  );
  return {
    images,
    shape: [28, 28, 1],
    labels: picked.map((i) => data.test.labels[i]),
    classNames: [...data.classNames],
  };
}
