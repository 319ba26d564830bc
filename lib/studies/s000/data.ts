/**
 * Study 000's arrays: the fashion-shop authors' `.npz` files when the user
 * has installed them (`deno task data fashion-shop --from DIR`), else the
 * real stand-in converted from the product photos (`deno task convert
 * --dataset fashion-product-images`, run here on demand), and one model's
 * train / validation / test arrays at a profile (combined `Gender-Type`
 * labels, gender, or one gender's types; the primary 3-class task).
 *
 * @module
 */
import { dirname, join, resolve } from "node:path";
import { MAIN_CATEGORIES, TAXONOMY } from "../../data/labels/label_tree.ts";
import type { Profile } from "../../profiles.ts";
import { createRng, shuffleInPlace } from "../../random.ts";
import {
  datasetDir,
  rawDataRoot,
  readFingerprint,
} from "../../data/acquire/fingerprint.ts";
import {
  type FashionArrays,
  fashionNpzName,
  readFashionNpz,
  type SplitTitle,
} from "../../data/formats/npz.ts";
import { ensureConverted } from "../../data/images/ensure_converted.ts";
import { existsOrFalse } from "../../io/exists.ts";
import type { LabelledArrays } from "../../data/labelled_arrays.ts";
import type { DatasetRef } from "../../runs/run_json.ts";
import {
  CategoryLevel,
  GENDERED_CATEGORIES,
  GenderedCategory,
} from "./specs.ts";

/** Where the `.npz` files come from, and what that means for the results. */
export interface ShopArraysSource {
  dir: string;
  datasetId: "fashion-shop" | "fashion-product-images";
  fingerprint: string;
  standIn: string | null;
}

/** The dataset reference a run record of `source`'s arrays carries. */
export function shopDatasetRef(source: ShopArraysSource): DatasetRef {
  return { id: source.datasetId, fingerprint: source.fingerprint };
}

/**
 * `source` with its folder as an absolute path: what a job, started in
 * another process (on another node), is told to read.
 */
export function portableSource(source: ShopArraysSource): ShopArraysSource {
  return { ...source, dir: resolve(source.dir) };
}

/**
 * Finds the authors' arrays, or converts the product photos into the same
 * layout (once: `data/processed/fashion-product-images` is reused while its
 * `conversion.json` says it holds the installed photos converted with the
 * default options, see lib/data/images/ensure_converted.ts) and says they
 * are a stand-in. The stand-in's fingerprint is that of the converted
 * arrays.
 *
 * @throws when that folder was converted with other options (e.g.
 * `--limit-per-class`), saying which and how to fix it.
 */
export async function shopArrays(): Promise<ShopArraysSource> {
  const original = datasetDir("fashion-shop");
  if (
    await existsOrFalse(
      join(original, fashionNpzName("Shoes", "All", "Train")),
    )
  ) {
    return {
      dir: original,
      datasetId: "fashion-shop",
      fingerprint: (await readFingerprint("fashion-shop")).sha256,
      standIn: null,
    };
  }
  const dir = join(
    dirname(rawDataRoot()),
    "processed",
    "fashion-product-images",
  );
  // Reused only when its manifest says it was converted from the installed
  // photos with the default options; otherwise converted again, or refused
  // when a user made it with other options (e.g. --limit-per-class).
  const { manifest } = await ensureConverted({
    dataset: "fashion-product-images",
    inDir: datasetDir("fashion-product-images"),
    outDir: dir,
    inputFingerprint: (await readFingerprint("fashion-product-images")).sha256,
  });
  return {
    dir,
    datasetId: "fashion-product-images",
    // The converted arrays' fingerprint: another conversion, another run id.
    fingerprint: manifest.outputs.fingerprint,
    standIn:
      "public product photos (fashion-product-images) mapped onto the fashion-shop label tree; " +
      "not the study's own photos",
  };
}

/** Arrays and class names of one model's task. */
export interface LevelData {
  train: LabelledArrays;
  validation: LabelledArrays;
  test: LabelledArrays;
  classNames: string[];
}

async function readSplit(
  source: ShopArraysSource,
  category: GenderedCategory,
  subset: string,
  split: SplitTitle,
) {
  return await readFashionNpz(
    join(source.dir, fashionNpzName(category, subset, split)),
  );
}

function labelFor(level: CategoryLevel, label: string, gender: string): string {
  if (level === "All") return `${gender}-${label}`;
  if (level === "Gender") return gender;
  return label;
}

/** Caps each class at `limit` images (seeded choice) and returns row indices. */
function capPerClass(
  labels: string[],
  limit: number | null,
  seed: number,
): number[] {
  const groups = new Map<string, number[]>();
  labels.forEach((l, i) => groups.set(l, [...(groups.get(l) ?? []), i]));
  const rng = createRng(seed);
  return [...groups.keys()].sort().flatMap((k) => {
    const rows = shuffleInPlace(groups.get(k)!, rng);
    return (limit === null ? rows : rows.slice(0, limit)).sort((a, b) => a - b);
  });
}

/**
 * Copies the chosen rows of an authors'-layout array set into labelled
 * arrays, in the order given, with each row's class index from `labelOf`.
 */
export function gatherRows(
  arrays: FashionArrays,
  rows: number[],
  labelOf: (row: number) => number,
): LabelledArrays {
  const size = arrays.height * arrays.width * 3;
  const images = new Uint8Array(rows.length * size);
  rows.forEach((r, j) =>
    images.set(arrays.images.subarray(r * size, (r + 1) * size), j * size)
  );
  return {
    images,
    shape: [arrays.height, arrays.width, 3],
    labels: rows.map(labelOf),
  };
}

/** Options of {@link loadLevel}. */
export interface LoadLevelOptions {
  /**
   * Study 001's flat labels for the combined level, with the category in
   * front (`Shoes-Female-High heels`); default false (`Female-High heels`).
   */
  categoryPrefix?: boolean;
}

/** Loads one model's train / validation / test arrays at a profile. */
export async function loadLevel(
  source: ShopArraysSource,
  category: GenderedCategory,
  level: CategoryLevel,
  profile: Profile,
  seed: number,
  options: LoadLevelOptions = {},
): Promise<LevelData> {
  const subset = level === "All" || level === "Gender" ? "All" : level;
  const splits = await Promise.all(
    (["Train", "Validation", "Test"] as SplitTitle[]).map((s) =>
      readSplit(source, category, subset, s)
    ),
  );
  const prefix = options.categoryPrefix && level === "All"
    ? `${GENDERED_CATEGORIES[category]}-`
    : "";
  const labelled = splits.map((a) =>
    a.labels.map((l, i) =>
      prefix + labelFor(level, String(l), String(a.genders[i]))
    )
  );
  return pickSplits(splits, labelled, profile, seed);
}

/**
 * Caps each split at the profile's images per class and gathers the rows:
 * class names come from the training split (sorted); validation and test
 * rows of other classes are left out.
 */
function pickSplits(
  splits: FashionArrays[],
  labelled: string[][],
  profile: Profile,
  seed: number,
): LevelData {
  const classNames = [...new Set(labelled[0])].sort();
  const pick = (k: number, limit: number | null): LabelledArrays => {
    const a = splits[k];
    const rows = capPerClass(labelled[k], limit, seed + k).filter((i) =>
      classNames.includes(labelled[k][i])
    );
    return gatherRows(a, rows, (r) => classNames.indexOf(labelled[k][r]));
  };
  return {
    train: pick(0, profile.maxTrainPerClass),
    validation: pick(1, profile.maxEvalPerClass),
    test: pick(2, profile.maxEvalPerClass),
    classNames,
  };
}

/** The authors' primary-category files: `Primary categories - <Split>.npz`. */
export function primaryNpzName(split: SplitTitle): string {
  return `Primary categories - ${split}.npz`;
}

/** The authors' integer codes of the primary files (catalog: 0 Glasses/Sunglasses, 1 Trousers/Jeans, 2 Shoes). */
const PRIMARY_CODES: Record<string, string> = {
  "0": "Glasses&Sunglasses",
  "1": "Trousers&Jeans",
  "2": "Shoes",
};

/**
 * Loads the primary 3-class task (`Glasses&Sunglasses`, `Shoes`,
 * `Trousers&Jeans`) at a profile: from the authors' `Primary categories`
 * files when the source has them, else assembled from each main category's
 * `All` files (every image labelled with its category), so the splits stay
 * the per-category splits and no image is in two of them.
 */
export async function loadPrimary(
  source: ShopArraysSource,
  profile: Profile,
  seed: number,
): Promise<LevelData> {
  const splitTitles: SplitTitle[] = ["Train", "Validation", "Test"];
  const authors = join(source.dir, primaryNpzName("Train"));
  if (await existsOrFalse(authors)) {
    const splits = await Promise.all(
      splitTitles.map((s) =>
        readFashionNpz(join(source.dir, primaryNpzName(s)))
      ),
    );
    const labelled = splits.map((a) =>
      a.labels.map((l) => PRIMARY_CODES[String(l)] ?? String(l))
    );
    return pickSplits(splits, labelled, profile, seed);
  }
  const splits: FashionArrays[] = [];
  const labelled: string[][] = [];
  for (const split of splitTitles) {
    const parts = await Promise.all(
      MAIN_CATEGORIES.map((c) =>
        readFashionNpz(
          join(source.dir, fashionNpzName(TAXONOMY[c].fileName, "All", split)),
        )
      ),
    );
    splits.push(concatArrays(parts));
    labelled.push(
      parts.flatMap((p, k) => p.labels.map(() => MAIN_CATEGORIES[k])),
    );
  }
  return pickSplits(splits, labelled, profile, seed);
}

function concatArrays(parts: FashionArrays[]): FashionArrays {
  const { height, width } = parts[0];
  const images = new Uint8Array(parts.reduce((n, p) => n + p.images.length, 0));
  let offset = 0;
  for (const p of parts) {
    if (p.height !== height || p.width !== width) {
      throw new Error(
        `cannot stack ${p.width}x${p.height} images with ${width}x${height} ones`,
      );
    }
    images.set(p.images, offset);
    offset += p.images.length;
  }
  return {
    images,
    count: parts.reduce((n, p) => n + p.count, 0),
    height,
    width,
    labels: parts.flatMap((p) => p.labels),
    genders: parts.flatMap((p) => p.genders),
  };
}
