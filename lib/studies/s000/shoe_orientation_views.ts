/**
 * What notebook 02 shows of shoe orientation before any training: the
 * fashion-shop sample shoes and all training shoes of the arrays, and a
 * before/after grid of canonicalisation (left-facing shoes mirrored to face
 * right) for each.
 *
 * @module
 */
import { join } from "node:path";
import { datasetDir } from "../../data/acquire/fingerprint.ts";
import { convertImages, stackImages } from "../../data/images/convert.ts";
import { shoeFacing } from "../../data/images/augment.ts";
import { fashionNpzName, readFashionNpz } from "../../data/formats/npz.ts";
import type { ImageRow } from "../../data/labelled_arrays.ts";
import type { LabelledArrays } from "../../data/labelled_arrays.ts";
import { canonicalizeArrays } from "./shoe_orientation.ts";
import type { ShopArraysSource } from "./data.ts";

/**
 * The shoe photos among the fashion-shop samples (`*_Shoes.jpg`), converted
 * to 120 x 90 like every converted image, all labelled 0.
 *
 * @throws naming every file that could not be converted, with the reason.
 */
export async function shopSampleShoes(
  dir: string = datasetDir("fashion-shop-samples"),
): Promise<LabelledArrays> {
  const names = [...Deno.readDirSync(dir)].map((e) => e.name)
    .filter((name) => name.endsWith("_Shoes.jpg")).sort();
  const { converted, report } = await convertImages(
    names.map((name) => ({ id: name, path: join(dir, name), label: "Shoes" })),
  );
  if (report.skipped.length) {
    throw new Error(
      `Cannot convert shop samples: ${
        report.skipped.map((s) => `${s.path} (${s.reason}: ${s.message})`)
          .join("; ")
      }`,
    );
  }
  return {
    images: stackImages(converted),
    shape: [120, 90, 3],
    labels: converted.map(() => 0),
  };
}

/** Every training image of the `Shoes` arrays (not only a profile's share), all labelled 0. */
export async function allTrainingShoes(
  source: ShopArraysSource,
): Promise<LabelledArrays> {
  const arrays = await readFashionNpz(
    join(source.dir, fashionNpzName("Shoes", "All", "Train")),
  );
  return {
    images: arrays.images,
    shape: [arrays.height, arrays.width, 3],
    labels: arrays.labels.map(() => 0),
  };
}

/** A before/after grid of canonicalisation and how many images it mirrored. */
export interface CanonicalisationGrid {
  /** Images mirrored. */
  flipped: number;
  /** Images in the set. */
  total: number;
  /** Up to `perRow` left-facing images before and after, then right-facing and undecided ones. */
  rows: ImageRow[];
}

/** Canonicalises a set of shoe images and picks examples of each facing for a grid. */
export function canonicalisationGrid(
  arrays: LabelledArrays,
  title: string,
  perRow = 8,
): CanonicalisationGrid {
  const [h, w, c] = arrays.shape;
  const size = h * w * c;
  const image = (images: Uint8Array, i: number) =>
    images.subarray(i * size, (i + 1) * size);
  const before = arrays.images as Uint8Array;
  const { arrays: after, flipped } = canonicalizeArrays(arrays);
  const facing = Array.from(
    arrays.labels,
    (_, i) => shoeFacing(image(before, i), w, h, c).facing,
  );
  const of = (f: string) =>
    facing.flatMap((x, i) => x === f ? [i] : []).slice(0, perRow);
  return {
    flipped: flipped.length,
    total: arrays.labels.length,
    rows: [
      {
        label: `${title}: facing left, before`,
        images: of("left").map((i) => image(before, i)),
      },
      {
        label: "after canonicalisation",
        images: of("left").map((i) => image(after.images as Uint8Array, i)),
      },
      {
        label: "facing right (unchanged)",
        images: of("right").map((i) => image(before, i)),
      },
      {
        label: "unknown (unchanged)",
        images: of("unknown").map((i) => image(before, i)),
      },
    ],
  };
}
