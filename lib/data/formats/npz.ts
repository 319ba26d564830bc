/**
 * The fashion-shop authors' array files: `.npz` archives with keys
 * `images` (uint8, N x 120 x 90 x 3), `labels` and `genders` (N each), named
 * like `Shoes - All - Train.npz` or `Trousers & Jeans - Male - Validation.npz`.
 *
 * Label encoding written by this workspace: `labels` and `genders` are
 * fixed-width unicode arrays (`<U..`) holding the taxonomy's exact strings
 * (for example `Trainers/Sneakers` and `Female`), so `numpy.load` reads them
 * without `allow_pickle` and the files explain themselves. When reading, the
 * authors' integer codes are accepted as well and returned as numbers.
 *
 * @example
 * ```ts
 * const set = await readFashionNpz("data/processed/fpi/Shoes - All - Train.npz");
 * set.count; set.labels[0]; // e.g. "High heels"
 * ```
 *
 * @module
 */
import { basename } from "node:path";
import {
  type NpyArray,
  npyArray,
  npyStrings,
  readNpz,
  writeNpz,
} from "./npy.ts";

/** A labelled image set in the authors' layout, decoded. */
export interface FashionArrays {
  /** Pixels, N x height x width x 3, uint8, C order. */
  images: Uint8Array;
  /** Number of images. */
  count: number;
  /** Image height in pixels. */
  height: number;
  /** Image width in pixels. */
  width: number;
  /** One label per image (strings as written here, or the authors' integer codes). */
  labels: (string | number)[];
  /** One gender per image (`Male`, `Female`, `Unisex`, `Unknown`, or integer codes). */
  genders: (string | number)[];
}

/** Options for {@link validateFashionArrays} and {@link readFashionNpz}. */
export interface FashionNpzOptions {
  /** Expected image height (default: any). */
  height?: number;
  /** Expected image width (default: any). */
  width?: number;
}

/** The three keys every file must have. */
export const FASHION_NPZ_KEYS = ["images", "labels", "genders"] as const;

function labelValues(
  array: NpyArray,
  key: string,
  count: number,
  source: string,
): (string | number)[] {
  if (array.shape.length !== 1 || array.shape[0] !== count) {
    throw new Error(
      `${source}: '${key}' has shape [${array.shape}], expected [${count}] (one per image)`,
    );
  }
  if (array.dtype === "unicode" || array.dtype === "bytes") {
    return array.data as string[];
  }
  if (array.dtype === "float32" || array.dtype === "float64") {
    throw new Error(
      `${source}: '${key}' is ${array.dtype}; labels must be integers or strings`,
    );
  }
  return Array.from(array.data as ArrayLike<number | bigint>, Number);
}

/**
 * Checks decoded `.npz` arrays against the authors' layout and returns them
 * typed. `source` names the file in errors.
 *
 * @throws with the file name and the offending key, dtype or shape.
 */
export function validateFashionArrays(
  arrays: Record<string, NpyArray>,
  source: string,
  options: FashionNpzOptions = {},
): FashionArrays {
  const missing = FASHION_NPZ_KEYS.filter((k) => !(k in arrays));
  if (missing.length > 0) {
    throw new Error(
      `${source}: missing key(s) ${missing.join(", ")}; found ${
        Object.keys(arrays).join(", ") || "none"
      }. Expected the fashion-shop layout: images, labels, genders`,
    );
  }
  const images = arrays.images;
  if (images.dtype !== "uint8") {
    throw new Error(
      `${source}: 'images' is ${images.dtype}, expected uint8 (0..255 pixels)`,
    );
  }
  if (images.shape.length !== 4 || images.shape[3] !== 3) {
    throw new Error(
      `${source}: 'images' has shape [${images.shape}], expected [N, height, width, 3]`,
    );
  }
  const [count, height, width] = images.shape;
  if (options.height !== undefined && options.width !== undefined) {
    if (height !== options.height || width !== options.width) {
      throw new Error(
        `${source}: images are ${width}x${height} (w x h), expected ${options.width}x${options.height}`,
      );
    }
  }
  return {
    images: images.data as Uint8Array,
    count,
    height,
    width,
    labels: labelValues(arrays.labels, "labels", count, source),
    genders: labelValues(arrays.genders, "genders", count, source),
  };
}

/** Reads and validates one file in the authors' layout. */
export async function readFashionNpz(
  path: string,
  options: FashionNpzOptions = {},
): Promise<FashionArrays> {
  return validateFashionArrays(await readNpz(path), path, options);
}

/**
 * Writes a labelled image set in the authors' layout (stored zip, like
 * `numpy.savez`), atomically. Labels and genders are written as `<U..`
 * strings.
 */
export async function writeFashionNpz(
  path: string,
  set: {
    images: Uint8Array;
    height: number;
    width: number;
    labels: string[];
    genders: string[];
  },
): Promise<void> {
  const count = set.labels.length;
  if (set.genders.length !== count) {
    throw new Error(
      `writeFashionNpz ${path}: ${count} labels but ${set.genders.length} genders`,
    );
  }
  await writeNpz(path, {
    images: npyArray(
      "uint8",
      [count, set.height, set.width, 3],
      set.images,
    ),
    labels: npyStrings(set.labels),
    genders: npyStrings(set.genders),
  });
}

/** Split names as they appear in the authors' file names. */
export type SplitTitle = "Train" | "Validation" | "Test";

/**
 * The authors' file name for a category, subset and split, e.g.
 * `fashionNpzName("Shoes", "All", "Train")` = `Shoes - All - Train.npz`.
 */
export function fashionNpzName(
  category: string,
  subset: string,
  split: SplitTitle,
): string {
  return `${category} - ${subset} - ${split}.npz`;
}

/** Parses an authors' file name back into its parts, or `undefined`. */
export function parseFashionNpzName(
  path: string,
): { category: string; subset: string; split: SplitTitle } | undefined {
  const m = /^(.+) - (.+) - (Train|Validation|Test)\.npz$/.exec(basename(path));
  return m
    ? { category: m[1], subset: m[2], split: m[3] as SplitTitle }
    : undefined;
}
