/**
 * Study 003's data: the 80 / 10 / 10 split stratified by `subCategory` x
 * `gender`, the profile's per-class caps, and the product photos decoded to
 * 80 x 60 (cached as `.npy` under `data/processed/`).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { createHash } from "node:crypto";
import { dirname, join } from "node:path";
import type { Profile } from "../../profiles.ts";
import { createRng, shuffleInPlace } from "../../random.ts";
import { decodeToRgb } from "../../data/images/decode.ts";
import {
  datasetDir,
  rawDataRoot,
  readFingerprint,
} from "../../data/acquire/fingerprint.ts";
import { type Split, stratifiedSplit } from "../../data/labels/splits.ts";
import { npyArray, readNpy, writeNpy } from "../../data/formats/npy.ts";
import { writeJsonAtomic } from "../../io/atomic.ts";
import {
  MULTI_OUTPUT_HEADS,
  type MultiOutputHead,
} from "../../models/multi_output.ts";
import type { DatasetRef } from "../../runs/run_json.ts";
import {
  type ProductLabels,
  readStudy003Catalogue,
  type Study003Catalogue,
  STUDY_003_MIN_CLASS_SIZE,
} from "./labels.ts";

/** The network's input, height x width x channels (the Kaggle thumbnails are 60 wide, 80 high). */
export const STUDY_003_INPUT: [number, number, number] = [80, 60, 3];

/** Validation accuracy of each head and their mean. */
export type HeadAccuracies = Record<MultiOutputHead | "average", number>;

// ------------------------------------------------------------------ splits

/** The three splits' products at a profile. */
export interface Study003SplitPlan {
  /** Training products. */
  train: ProductLabels[];
  /** Validation products. */
  validation: ProductLabels[];
  /** Test products. */
  test: ProductLabels[];
  /** The uncapped stratified split (`subCategory|gender` strata). */
  split: Split;
}

/** The stratum of a product: its `subCategory` and `gender`. */
export function study003Stratum(item: ProductLabels): string {
  return `${item.subCategory}|${item.gender}`;
}

/**
 * Splits products 80 / 10 / 10, stratified by `subCategory` x `gender` and
 * seeded, then caps each `subCategory` class per split at the profile's
 * limits (a seeded random sample). Deterministic: the same items, profile
 * and seed give the same plan, whatever the input order.
 */
export function planStudy003Splits(
  items: readonly ProductLabels[],
  profile: Pick<Profile, "maxTrainPerClass" | "maxEvalPerClass">,
  seed: number,
): Study003SplitPlan {
  const byId = new Map(items.map((i) => [i.id, i]));
  const split = stratifiedSplit(
    items.map((i) => ({ id: i.id, stratum: study003Stratum(i) })),
    { seed },
  );
  const cap = (ids: string[], limit: number | null, name: string) => {
    const groups = new Map<string, ProductLabels[]>();
    for (const id of [...ids].sort()) {
      const item = byId.get(id)!;
      if (!groups.has(item.subCategory)) groups.set(item.subCategory, []);
      groups.get(item.subCategory)!.push(item);
    }
    const rng = createRng(seed).fork(`study003 cap ${name}`);
    return [...groups.keys()].sort().flatMap((k) => {
      const group = shuffleInPlace(groups.get(k)!, rng.fork(k));
      return limit === null ? group : group.slice(0, limit);
    });
  };
  return {
    train: cap(split.train, profile.maxTrainPerClass, "train"),
    validation: cap(split.validation, profile.maxEvalPerClass, "validation"),
    test: cap(split.test, profile.maxEvalPerClass, "test"),
    split,
  };
}

// ------------------------------------------------------------------ images

/** One split's images and the three heads' labels. */
export interface MultiHeadArrays {
  /** N x H x W x 3 uint8 RGB, row-major. */
  images: Uint8Array;
  /** Height, width, channels. */
  shape: [number, number, number];
  /** Class index per image, per head (indices into the class names). */
  labels: Record<MultiOutputHead, Int32Array>;
  /** Product ids, in image order. */
  ids: string[];
}

/** Everything study 003 trains and evaluates on. */
export interface Study003Data {
  /** Training split. */
  train: MultiHeadArrays;
  /** Validation split (model selection only). */
  validation: MultiHeadArrays;
  /** Test split (evaluated once per model). */
  test: MultiHeadArrays;
  /** Class names per head. */
  classNames: Record<MultiOutputHead, string[]>;
  /** The catalogue after the label rule. */
  catalogue: Study003Catalogue;
  /** The split plan (products per split). */
  plan: Study003SplitPlan;
  /** Dataset id and fingerprint for the run records. */
  dataset: DatasetRef;
  /** Short hash of the split's ids and labels; part of every run id. */
  dataKey: string;
  /** Products whose photo could not be decoded (left out), with the reason. */
  skipped: { id: string; reason: string }[];
}

/** Options of {@linkcode loadStudy003Data}. */
export interface Study003DataOptions {
  /** The `fashion-product-images` folder; default the installed dataset (`data/raw/...`). */
  dir?: string;
  /** Its fingerprint; default read from the installed dataset's `FINGERPRINT.json`. */
  fingerprint?: string;
  /** Decoded-image cache folder; default `data/processed/study003`; `null` for none. */
  cacheDir?: string | null;
  /** Smallest class (see the label rule); default 40. */
  minClassSize?: number;
  /** Parallel decodes; default 4. */
  concurrency?: number;
}

const shortHash = (value: unknown) =>
  createHash("sha256").update(JSON.stringify(value)).digest("hex").slice(
    0,
    16,
  );

async function decodeMany(
  dir: string,
  ids: string[],
  shape: [number, number, number],
  concurrency: number,
): Promise<{ pixels: Uint8Array; failed: Map<string, string> }> {
  const [h, w, c] = shape;
  const size = h * w * c;
  const pixels = new Uint8Array(ids.length * size);
  const failed = new Map<string, string>();
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const i = next++;
      try {
        pixels.set(
          await decodeToRgb(join(dir, "images", `${ids[i]}.jpg`), {
            width: w,
            height: h,
          }),
          i * size,
        );
      } catch (error) {
        failed.set(ids[i], (error as Error).message);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { pixels, failed };
}

/**
 * Loads the catalogue, applies the label rule, plans the splits for the
 * profile and decodes the photos (from the cache when present).
 *
 * @example
 * ```ts
 * const data = await loadStudy003Data({ profile: getProfile("smoke"), seed: 42 });
 * data.train.labels.gender.length; // training images
 * ```
 */
export async function loadStudy003Data(
  context: { profile: Profile; seed: number },
  options: Study003DataOptions = {},
): Promise<Study003Data> {
  const dir = options.dir ?? datasetDir("fashion-product-images");
  const fingerprint = options.fingerprint ??
    (await readFingerprint("fashion-product-images")).sha256;
  const catalogue = await readStudy003Catalogue(
    dir,
    options.minClassSize ?? STUDY_003_MIN_CLASS_SIZE,
  );
  const plan = planStudy003Splits(
    catalogue.items,
    context.profile,
    context.seed,
  );
  const shape = STUDY_003_INPUT;
  const size = shape[0] * shape[1] * shape[2];
  const all = [...plan.train, ...plan.validation, ...plan.test];
  const ids = all.map((i) => i.id);
  const cacheKey = shortHash({ fingerprint, ids, shape, decode: "contain" });
  const cacheDir = options.cacheDir === undefined
    ? join(dirname(rawDataRoot()), "processed", "study003")
    : options.cacheDir;
  const cachePath = cacheDir ? join(cacheDir, `${cacheKey}.npy`) : null;
  let pixels: Uint8Array | null = null;
  let failed = new Map<string, string>();
  if (cachePath) {
    try {
      const cached = await readNpy(cachePath);
      const meta = JSON.parse(
        await Deno.readTextFile(cachePath.replace(/\.npy$/, ".json")),
      );
      if (
        cached.dtype === "uint8" && cached.shape[0] === ids.length &&
        cached.data instanceof Uint8Array
      ) {
        pixels = cached.data;
        failed = new Map(Object.entries(meta.failed ?? {}));
      }
    } catch {
      pixels = null; // no cache yet, or a damaged one: decode again
    }
  }
  if (pixels === null) {
    const decoded = await decodeMany(
      dir,
      ids,
      shape,
      options.concurrency ?? 4,
    );
    pixels = decoded.pixels;
    failed = decoded.failed;
    if (cachePath && cacheDir) {
      await Deno.mkdir(cacheDir, { recursive: true });
      await writeNpy(
        cachePath,
        npyArray("uint8", [ids.length, ...shape], pixels),
      );
      await writeJsonAtomic(cachePath.replace(/\.npy$/, ".json"), {
        dataset: "fashion-product-images",
        fingerprint,
        shape,
        ids: ids.length,
        failed: Object.fromEntries(failed),
      });
    }
  }
  const classNames = catalogue.classNames;
  let offset = 0;
  const arrays = (items: ProductLabels[]): MultiHeadArrays => {
    const start = offset;
    offset += items.length;
    const keep = items.map((item, k) => ({ item, row: start + k })).filter((
      { item },
    ) => !failed.has(item.id));
    const images = new Uint8Array(keep.length * size);
    keep.forEach(({ row }, j) =>
      images.set(pixels!.subarray(row * size, (row + 1) * size), j * size)
    );
    const labels = Object.fromEntries(MULTI_OUTPUT_HEADS.map((h) => [
      h,
      Int32Array.from(keep, ({ item }) => classNames[h].indexOf(item[h])),
    ])) as Record<MultiOutputHead, Int32Array>;
    return { images, shape, labels, ids: keep.map(({ item }) => item.id) };
  };
  const train = arrays(plan.train);
  const validation = arrays(plan.validation);
  const test = arrays(plan.test);
  const dataKey = shortHash({
    fingerprint,
    classNames,
    splits: [train, validation, test].map((s) => s.ids),
  });
  return {
    train,
    validation,
    test,
    classNames,
    catalogue,
    plan,
    dataset: { id: "fashion-product-images", fingerprint },
    dataKey,
    skipped: [...failed].map(([id, reason]) => ({ id, reason })),
  };
}

/**
 * Row indices of `arrays` for a picture grid: for each class of `head`, up
 * to `count` images taken in turn from its `spreadBy` classes (so a row
 * shows several subCategories rather than the first one many times).
 *
 * @example
 * ```ts
 * sampleIndices(data.train, "masterCategory", "subCategory", 8);
 * // [[indices of Accessories...], [indices of Apparel...], ...]
 * ```
 */
export function sampleIndices(
  arrays: MultiHeadArrays,
  head: MultiOutputHead,
  spreadBy: MultiOutputHead,
  count: number,
): number[][] {
  const classes = Math.max(-1, ...arrays.labels[head]) + 1;
  return Array.from({ length: classes }, (_, k) => {
    const groups = new Map<number, number[]>();
    arrays.labels[head].forEach((label, i) => {
      if (label !== k) return;
      const key = arrays.labels[spreadBy][i];
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key)!.push(i);
    });
    const queues = [...groups.keys()].sort((a, b) => a - b).map((g) =>
      groups.get(g)!
    );
    const out: number[] = [];
    for (let round = 0; out.length < count; round++) {
      const before = out.length;
      for (const q of queues) {
        if (round < q.length && out.length < count) out.push(q[round]);
      }
      if (out.length === before) break;
    }
    return out;
  });
}

/**
 * Accuracy of always predicting a head's most frequent training class,
 * measured on `test`: the floor a trained head has to beat.
 */
export function majorityBaseline(
  train: MultiHeadArrays,
  test: MultiHeadArrays,
): HeadAccuracies {
  const out = {} as HeadAccuracies;
  for (const h of MULTI_OUTPUT_HEADS) {
    const counts = new Map<number, number>();
    for (const l of train.labels[h]) counts.set(l, (counts.get(l) ?? 0) + 1);
    const top = [...counts].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]?.[0];
    const n = test.labels[h].length;
    out[h] = n === 0 ? 0 : test.labels[h].filter((l) => l === top).length / n;
  }
  out.average = MULTI_OUTPUT_HEADS.reduce((a, h) => a + out[h], 0) /
    MULTI_OUTPUT_HEADS.length;
  return out;
}

/** Inputs scaled to [0, 1] and one one-hot target per head, in head order. */
export function multiHeadTensors(
  arrays: MultiHeadArrays,
  classNames: Record<MultiOutputHead, string[]>,
): { x: tf.Tensor4D; y: tf.Tensor2D[] } {
  const n = arrays.ids.length;
  return tf.tidy(() => ({
    x: tf.tensor4d(arrays.images, [n, ...arrays.shape], "float32").div(
      255,
    ) as tf.Tensor4D,
    y: MULTI_OUTPUT_HEADS.map((h) =>
      tf.oneHot(
        tf.tensor1d(arrays.labels[h], "int32"),
        classNames[h].length,
      ) as tf.Tensor2D
    ),
  }));
}
