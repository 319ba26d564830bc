/**
 * Study 003: one network with three softmax heads (`masterCategory`,
 * `subCategory`, `gender`) on the Fashion Product Images catalogue, scored
 * per head and by the heads' averaged accuracy, then tuned over
 * BatchNormalization placement x dropout rate.
 *
 * Data (`fashion-product-images`, the catalogue the study used; the mirror
 * holds 11,882 of its 44,446 products, the ones whose photo is present):
 *
 * 1. **Label rule** ({@linkcode applyStudy003LabelRule}), applied to the whole
 *    catalogue so every profile has the same classes. With `minClassSize`
 *    (default 40) images as the limit: a `masterCategory` below it is
 *    dropped with its rows (Free Items 17, Sporting Goods 4); a
 *    `subCategory` below it is merged into `Other <masterCategory>` when
 *    the merged group reaches the limit, else dropped; a `gender` below it
 *    is dropped with its rows. Every decision is returned.
 * 2. **Split** ({@linkcode planStudy003Splits}): 80 / 10 / 10, stratified by
 *    `subCategory` x `gender` (so all three heads keep their proportions;
 *    `masterCategory` follows from `subCategory`), seeded.
 * 3. **Caps**: the profile's `maxTrainPerClass` / `maxEvalPerClass` apply
 *    per `subCategory` class within each split, taking a seeded random
 *    sample (so gender proportions within a class are kept on average).
 *    Capped profiles therefore test on a flatter class mix than the
 *    catalogue's; `full` uses everything.
 * 4. **Images** ({@linkcode loadStudy003Data}): decoded with sharp
 *    (`decodeToRgb`: EXIF rotation, white background, fitted and padded) to
 *    80 x 60, the network's input and the size of the Kaggle "small"
 *    thumbnails the study used; cached as `.npy` under `data/processed/`.
 *
 * Training goes through the workspace's seeded, checkpointed `fit`, and
 * every run lands as a complete run record tagged
 * `{ study: "003", profile, kind: "multi-output" }` whose `metrics.json`
 * holds {@linkcode MultiOutputMetrics}: per head accuracy, n, correct, 95%
 * Wilson and t intervals, confusion matrix and per-class report, plus the
 * averaged accuracy.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { createHash } from "node:crypto";
import { basename, dirname, join } from "node:path";
import type { BackendChoice } from "../backend.ts";
import type { Profile } from "../profiles.ts";
import { createRng, shuffleInPlace } from "../random.ts";
import { readStylesCsv } from "../data/taxonomy.ts";
import { decodeToRgb } from "../data/images.ts";
import {
  datasetDir,
  rawDataRoot,
  readFingerprint,
} from "../data/fingerprint.ts";
import { type Split, stratifiedSplit } from "../data/splits.ts";
import { npyArray, readNpy, writeNpy } from "../data/npy.ts";
import { writeJsonAtomic } from "../io/atomic.ts";
import {
  type BatchNormPlacement,
  buildMultiOutputCnn,
  MULTI_OUTPUT_HEADS,
  type MultiOutputHead,
} from "../models/multi_output.ts";
import { loadModel } from "../models/model_files.ts";
import { compileClassifier } from "../train/compile.ts";
import { type EpochLogs, fit, type FitResult } from "../train/fit.ts";
import type { ProgressReporter } from "../train/progress.ts";
import { predictClasses } from "../train/predict.ts";
import {
  gridSearch,
  type Params,
  randomSearch,
  runSearch,
  type SearchSpace,
  type TrialSummary,
} from "../train/search.ts";
import {
  completeRunMetrics,
  type DatasetRef,
  DEFAULT_RUNS_ROOT,
  type HeadPredictions,
  RunRecord,
} from "../runs/record.ts";
import { runId } from "../runs/run_id.ts";
import {
  type ClassifierMetrics,
  classifierMetrics,
  profileFitOptions,
  recordEvaluatedRun,
} from "./classifier_run.ts";

export { MULTI_OUTPUT_HEADS, type MultiOutputHead };

/**
 * Study 003's published test accuracies of its final model (fractions), as
 * its "Project Overview" states them.
 */
export const STUDY_003_PUBLISHED: Readonly<
  Record<MultiOutputHead | "average", number>
> = {
  masterCategory: 0.992,
  subCategory: 0.973,
  gender: 0.921,
  average: 0.962,
};

/**
 * The averaged accuracy in the study's opening sentence (94.1%), which
 * disagrees with the 96.2% of its "Project Overview".
 */
export const STUDY_003_HEADLINE_AVERAGE = 0.941;

/** The network's input, height x width x channels (the Kaggle thumbnails are 60 wide, 80 high). */
export const STUDY_003_INPUT: [number, number, number] = [80, 60, 3];

/** Default smallest class, in images of the whole catalogue. */
export const STUDY_003_MIN_CLASS_SIZE = 40;

// ------------------------------------------------------------------ labels

/** One product's three labels. */
export interface ProductLabels {
  /** Product id; the photo is `images/<id>.jpg`. */
  id: string;
  /** Label of the `masterCategory` head. */
  masterCategory: string;
  /** Label of the `subCategory` head (after merging). */
  subCategory: string;
  /** Label of the `gender` head. */
  gender: string;
}

/** What the label rule did with one class. */
export interface LabelDecision {
  /** The head. */
  head: MultiOutputHead;
  /** The class as named in `styles.csv`. */
  className: string;
  /** Images of the class in the catalogue (before the rule). */
  count: number;
  /** Kept as is, merged into another class, or dropped with its rows. */
  action: "kept" | "merged" | "dropped";
  /** The class it was merged into. */
  into?: string;
}

/** The result of {@linkcode applyStudy003LabelRule}. */
export interface LabelRuleResult {
  /** Products that keep all three labels. */
  items: ProductLabels[];
  /** One decision per class of each head, ordered by head then count (descending). */
  decisions: LabelDecision[];
  /** Class names per head, sorted. */
  classNames: Record<MultiOutputHead, string[]>;
}

const countBy = <T>(items: readonly T[], key: (item: T) => string) => {
  const counts = new Map<string, number>();
  for (const item of items) {
    const k = key(item);
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return counts;
};

const byCount = (a: LabelDecision, b: LabelDecision) =>
  b.count - a.count || a.className.localeCompare(b.className);

/**
 * Applies the study's class-size rule (see the module docs) to raw
 * `styles.csv` labels.
 *
 * @example
 * ```ts
 * const { items, decisions } = applyStudy003LabelRule(styles.rows, 40);
 * decisions.filter((d) => d.action !== "kept");
 * // e.g. { head: "subCategory", className: "Scarves", count: 29, action: "merged", into: "Other Accessories" }
 * ```
 */
export function applyStudy003LabelRule(
  rows: readonly ProductLabels[],
  minClassSize = STUDY_003_MIN_CLASS_SIZE,
): LabelRuleResult {
  const decisions: LabelDecision[] = [];
  const masterCounts = countBy(rows, (r) => r.masterCategory);
  const genderCounts = countBy(rows, (r) => r.gender);
  const headDecisions = (
    head: MultiOutputHead,
    counts: Map<string, number>,
  ) => {
    const out = [...counts].map(([className, count]) => ({
      head,
      className,
      count,
      action: count >= minClassSize ? "kept" as const : "dropped" as const,
    }));
    return out.sort(byCount);
  };
  const masterDecisions = headDecisions("masterCategory", masterCounts);
  const genderDecisions = headDecisions("gender", genderCounts);
  const keptMaster = new Set(
    masterDecisions.filter((d) => d.action === "kept").map((d) => d.className),
  );
  const keptGender = new Set(
    genderDecisions.filter((d) => d.action === "kept").map((d) => d.className),
  );
  const survivors = rows.filter((r) =>
    keptMaster.has(r.masterCategory) && keptGender.has(r.gender)
  );

  // subCategory: rare classes pooled per masterCategory.
  const subCounts = countBy(rows, (r) => r.subCategory);
  const rare = (name: string) => (subCounts.get(name) ?? 0) < minClassSize;
  const otherName = (master: string) => `Other ${master}`;
  const pooled = countBy(
    survivors.filter((r) => rare(r.subCategory)),
    (r) => r.masterCategory,
  );
  const mergeInto = (r: ProductLabels): string | null => {
    if (!rare(r.subCategory)) return r.subCategory;
    return (pooled.get(r.masterCategory) ?? 0) >= minClassSize
      ? otherName(r.masterCategory)
      : null;
  };
  const subDecisions: LabelDecision[] = [...subCounts].map(
    ([className, count]) => {
      if (count >= minClassSize) {
        return {
          head: "subCategory" as const,
          className,
          count,
          action: "kept" as const,
        };
      }
      const targets = [
        ...new Set(
          survivors.filter((r) => r.subCategory === className).map(mergeInto)
            .filter((t): t is string => t !== null),
        ),
      ].sort();
      return targets.length > 0
        ? {
          head: "subCategory" as const,
          className,
          count,
          action: "merged" as const,
          into: targets.join(", "),
        }
        : {
          head: "subCategory" as const,
          className,
          count,
          action: "dropped" as const,
        };
    },
  ).sort(byCount);
  const items: ProductLabels[] = [];
  for (const r of survivors) {
    const subCategory = mergeInto(r);
    if (subCategory === null) continue;
    items.push({
      id: r.id,
      masterCategory: r.masterCategory,
      subCategory,
      gender: r.gender,
    });
  }
  decisions.push(...masterDecisions, ...subDecisions, ...genderDecisions);
  return { items, decisions, classNames: classNamesOf(items) };
}

/** Sorted class names of each head present in `items`. */
export function classNamesOf(
  items: readonly ProductLabels[],
): Record<MultiOutputHead, string[]> {
  return Object.fromEntries(
    MULTI_OUTPUT_HEADS.map((
      h,
    ) => [h, [...new Set(items.map((i) => i[h]))].sort()]),
  ) as Record<MultiOutputHead, string[]>;
}

/** Images per class of each head, e.g. for a label-count table. */
export function headCounts(
  items: readonly ProductLabels[],
): Record<MultiOutputHead, Record<string, number>> {
  return Object.fromEntries(
    MULTI_OUTPUT_HEADS.map((h) => [
      h,
      Object.fromEntries(countBy(items, (i) => i[h])),
    ]),
  ) as Record<MultiOutputHead, Record<string, number>>;
}

/** The catalogue after the label rule, with what was left out. */
export interface Study003Catalogue extends LabelRuleResult {
  /** The dataset folder read. */
  dir: string;
  /** Rows of `styles.csv` read (usable rows). */
  rows: number;
  /** Rows `styles.csv` could not parse. */
  malformed: number;
  /** Ids whose photo is not in `images/`. */
  missingImages: string[];
}

/**
 * Reads `styles.csv` of a `fashion-product-images` folder, keeps the rows
 * whose photo exists, and applies {@linkcode applyStudy003LabelRule}.
 */
export async function readStudy003Catalogue(
  dir: string,
  minClassSize = STUDY_003_MIN_CLASS_SIZE,
): Promise<Study003Catalogue> {
  const styles = await readStylesCsv(join(dir, "styles.csv"));
  const present = new Set<string>();
  for await (const entry of Deno.readDir(join(dir, "images"))) {
    if (entry.isFile && entry.name.endsWith(".jpg")) {
      present.add(entry.name.slice(0, -4));
    }
  }
  const missingImages = styles.rows.filter((r) => !present.has(r.id)).map((
    r,
  ) => r.id);
  const rows = styles.rows.filter((r) => present.has(r.id)).map((r) => ({
    id: r.id,
    masterCategory: r.masterCategory,
    subCategory: r.subCategory,
    gender: r.gender,
  }));
  return {
    ...applyStudy003LabelRule(rows, minClassSize),
    dir,
    rows: styles.rows.length,
    malformed: styles.malformed.length,
    missingImages,
  };
}

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

// ------------------------------------------------------------------ metrics

/** Validation accuracy of each head and their mean. */
export type HeadAccuracies = Record<MultiOutputHead | "average", number>;

/** What a multi-output run writes to `metrics.json`. */
export interface MultiOutputMetrics {
  /** Test metrics of each head (accuracy, n, intervals, confusion, report). */
  heads: Record<MultiOutputHead, ClassifierMetrics>;
  /** Mean of the heads' test accuracies (the study's measure of success). */
  averageAccuracy: number;
  /** Validation accuracies of the epoch whose weights were kept. */
  validation: HeadAccuracies | null;
}

/**
 * Per-head metrics and their averaged accuracy.
 *
 * @param trueLabels true class per test image, per head
 * @param predicted predicted class per test image, per head
 */
export function multiOutputMetrics(
  trueLabels: Record<MultiOutputHead, ArrayLike<number>>,
  predicted: Record<MultiOutputHead, ArrayLike<number>>,
  classNames: Record<MultiOutputHead, string[]>,
  validation: HeadAccuracies | null,
): MultiOutputMetrics {
  const heads = Object.fromEntries(MULTI_OUTPUT_HEADS.map((h) => [
    h,
    classifierMetrics(
      Array.from(trueLabels[h]),
      Array.from(predicted[h]),
      classNames[h],
      validation?.[h] ?? null,
    ),
  ])) as Record<MultiOutputHead, ClassifierMetrics>;
  return {
    heads,
    averageAccuracy: MULTI_OUTPUT_HEADS.reduce(
      (sum, h) => sum + heads[h].accuracy,
      0,
    ) / MULTI_OUTPUT_HEADS.length,
    validation,
  };
}

// ------------------------------------------------------------------ training

/** The network's hyperparameters (see `buildMultiOutputCnn`). */
export interface MultiOutputSettings {
  /** BatchNormalization placement. */
  batchNorm: BatchNormPlacement;
  /** Dropout after the shared dense layer (0: none). */
  dropout: number;
  /** Filters of the first block; default 32. */
  filters?: number;
  /** Kernel size; default 3. */
  kernelSize?: number;
  /** Shared dense units; default 128. */
  denseSize?: number;
  /** Convolution blocks; default 3. */
  blocks?: number;
}

/** The settings of the untuned network: no BatchNorm, no dropout. */
export const STUDY_003_BASE_SETTINGS: MultiOutputSettings = {
  batchNorm: "none",
  dropout: 0,
};

/** A trained network and its fit. */
export interface TrainedMultiOutput {
  /** The model, holding the weights of the kept epoch. */
  model: tf.LayersModel;
  /** The fit, its history cleaned by {@linkcode cleanValidationLogs}. */
  fit: FitResult;
  /** Validation accuracies of the kept weights, measured on the validation split. */
  validation: HeadAccuracies;
}

/**
 * One epoch's logs with the per-head validation accuracies measured at the
 * end of the epoch, when known, written as `val_<head>_acc` with their mean
 * as `val_average_acc`.
 */
export function cleanValidationLogs(
  logs: EpochLogs,
  measured: HeadAccuracies | undefined,
): EpochLogs {
  const out = { ...logs };
  if (measured) {
    for (const h of MULTI_OUTPUT_HEADS) out[`val_${h}_acc`] = measured[h];
    out.val_average_acc = measured.average;
  }
  return out;
}

/**
 * Builds, compiles (Adam, categorical cross-entropy on every head) and fits
 * the network on the training split with the profile's epochs, batch size
 * and early stopping, validating after every epoch. Each head's validation
 * accuracy is measured by prediction at the end of every epoch (and for the
 * kept weights at the end), independently of the fit loop's `evaluate`.
 */
export async function trainMultiOutput(
  data: Pick<Study003Data, "train" | "validation" | "classNames">,
  settings: MultiOutputSettings,
  options: {
    profile: Profile;
    seed: number;
    checkpointPath?: string;
    progress?: ProgressReporter;
  },
): Promise<TrainedMultiOutput> {
  const { profile, seed } = options;
  const classes = Object.fromEntries(
    MULTI_OUTPUT_HEADS.map((h) => [h, data.classNames[h].length]),
  ) as Record<MultiOutputHead, number>;
  const model = buildMultiOutputCnn({
    classes,
    seed,
    inputShape: data.train.shape,
    batchNorm: settings.batchNorm,
    dropout: settings.dropout,
    filters: settings.filters,
    kernelSize: settings.kernelSize,
    denseSize: settings.denseSize,
    blocks: settings.blocks,
  });
  const train = multiHeadTensors(data.train, data.classNames);
  const validation = multiHeadTensors(data.validation, data.classNames);
  const measured = new Map<number, HeadAccuracies>();
  const progress: ProgressReporter = {
    update: (state) => options.progress?.update(state),
    epochEnd: async (state) => {
      const accuracies = await accuraciesOn(
        model,
        data.validation,
        data.classNames,
      );
      measured.set(state.epoch, accuracies);
      await options.progress?.epochEnd({
        ...state,
        metrics: cleanValidationLogs(state.metrics, accuracies),
      });
    },
    done: (message) => options.progress?.done(message),
  };
  try {
    compileClassifier(model);
    const result = await fit(model, train, {
      ...profileFitOptions(profile, seed),
      validation,
      checkpointPath: options.checkpointPath,
      progress,
    });
    const history = result.history.map((logs, i) =>
      cleanValidationLogs(logs, measured.get(logs.epoch ?? i))
    );
    const kept = await accuraciesOn(model, data.validation, data.classNames);
    return { model, fit: { ...result, history }, validation: kept };
  } catch (error) {
    model.dispose();
    throw error;
  } finally {
    tf.dispose([train.x, ...train.y, validation.x, ...validation.y]);
  }
}

/** Predicts the test split with every head: predictions for the run record and metrics. */
export async function evaluateMultiOutput(
  model: tf.LayersModel,
  test: MultiHeadArrays,
  classNames: Record<MultiOutputHead, string[]>,
  validation: HeadAccuracies | null,
): Promise<{
  predictions: { heads: Record<MultiOutputHead, HeadPredictions> };
  metrics: MultiOutputMetrics;
}> {
  const { x, y } = multiHeadTensors(test, classNames);
  try {
    const out = await predictClasses(model, x);
    const predicted = Object.fromEntries(
      MULTI_OUTPUT_HEADS.map((h, i) => [h, out[i].predicted]),
    ) as Record<MultiOutputHead, number[]>;
    const heads = Object.fromEntries(MULTI_OUTPUT_HEADS.map((h, i) => [h, {
      classNames: classNames[h],
      trueLabels: Array.from(test.labels[h]),
      predictedLabels: out[i].predicted,
      probabilities: out[i].probabilities,
    }])) as Record<MultiOutputHead, HeadPredictions>;
    return {
      predictions: { heads },
      metrics: multiOutputMetrics(
        test.labels,
        predicted,
        classNames,
        validation,
      ),
    };
  } finally {
    tf.dispose([x, ...y]);
  }
}

/** Accuracy of each head (and their mean) of `model` on a split. */
export async function accuraciesOn(
  model: tf.LayersModel,
  split: MultiHeadArrays,
  classNames: Record<MultiOutputHead, string[]>,
): Promise<HeadAccuracies> {
  const { x, y } = multiHeadTensors(split, classNames);
  try {
    const out = await predictClasses(model, x);
    const acc = Object.fromEntries(MULTI_OUTPUT_HEADS.map((h, i) => {
      const truth = split.labels[h];
      const right = out[i].predicted.filter((p, k) => p === truth[k]).length;
      return [h, truth.length === 0 ? 0 : right / truth.length];
    })) as HeadAccuracies;
    acc.average = MULTI_OUTPUT_HEADS.reduce((a, h) => a + acc[h], 0) /
      MULTI_OUTPUT_HEADS.length;
    return acc;
  } finally {
    tf.dispose([x, ...y]);
  }
}

/** What the lab context provides. */
export interface Study003Context {
  /** Profile (data caps, epochs, batch size, grid size). */
  profile: Profile;
  /** Backend in use. */
  backend: BackendChoice;
  /** The run seed. */
  seed: number;
}

const backendRef = (backend: BackendChoice) => ({
  name: backend.name,
  device: backend.device,
  packages: backend.packages,
});

const splitSizes = (data: Study003Data) => ({
  train: data.train.ids.length,
  validation: data.validation.ids.length,
  test: data.test.ids.length,
});

const runTags = (profile: Profile) => ({
  study: "003",
  profile: profile.name,
  kind: "multi-output",
});

/** Hyperparameters and data identity recorded with (and identifying) a run. */
function runParams(
  settings: MultiOutputSettings,
  profile: Profile,
  data: Study003Data,
): Params {
  return {
    batchNorm: settings.batchNorm,
    dropout: settings.dropout,
    filters: settings.filters ?? 32,
    kernelSize: settings.kernelSize ?? 3,
    denseSize: settings.denseSize ?? 128,
    blocks: settings.blocks ?? 3,
    epochs: profile.epochs,
    batchSize: profile.batchSize,
    profile: profile.name,
    data: data.dataKey,
  };
}

/** The result of {@linkcode runStudy003}. */
export interface MultiOutputRunResult {
  /** Run id. */
  runId: string;
  /** Run folder. */
  dir: string;
  /** The metrics written. */
  metrics: MultiOutputMetrics;
  /** True when a complete run with the same id was reused. */
  reused: boolean;
}

/**
 * Trains the multi-output network with `settings` (default: no BatchNorm,
 * no dropout) and evaluates it on the test split into a complete run
 * record; a complete run with the same id is reused, an interrupted one
 * resumes from its last epoch.
 */
export async function runStudy003(
  context: Study003Context,
  data: Study003Data,
  options: {
    settings?: MultiOutputSettings;
    runsRoot?: string;
    progress?: ProgressReporter;
  } = {},
): Promise<MultiOutputRunResult> {
  const settings = options.settings ?? STUDY_003_BASE_SETTINGS;
  const params = runParams(settings, context.profile, data);
  const name = "Study 003 multi-output network";
  const root = options.runsRoot ?? DEFAULT_RUNS_ROOT;
  const id = runId(name, params, context.seed);
  const previous = await completeRunMetrics<MultiOutputMetrics>(
    join(root, id),
  );
  if (previous) {
    return { runId: id, dir: join(root, id), metrics: previous, reused: true };
  }
  const run = await RunRecord.start({
    name,
    params,
    seed: context.seed,
    dataset: data.dataset,
    splits: splitSizes(data),
    backend: backendRef(context.backend),
    tags: runTags(context.profile),
  }, { root });
  // Set inside the callback; `as` keeps TypeScript from narrowing it to null.
  let model = null as tf.LayersModel | null;
  try {
    const metrics = await recordEvaluatedRun(run, async () => {
      const trained = await trainMultiOutput(data, settings, {
        profile: context.profile,
        seed: context.seed,
        checkpointPath: run.checkpointPath,
        progress: options.progress,
      });
      model = trained.model;
      const { predictions, metrics } = await evaluateMultiOutput(
        model,
        data.test,
        data.classNames,
        trained.validation,
      );
      return { history: trained.fit.history, predictions, metrics, model };
    });
    return { runId: id, dir: run.dir, metrics, reused: false };
  } finally {
    model?.dispose();
  }
}

// ------------------------------------------------------------------ tuning

/**
 * The tuning grid: BatchNormalization placement x dropout rate. The study
 * tried BatchNorm "at different positions" and dropout "with different
 * values" without listing them; these values are ours.
 */
export const STUDY_003_TUNING_SPACE: SearchSpace = {
  batchNorm: ["none", "conv", "dense", "both"],
  dropout: [0, 0.25, 0.5],
};

/** The one setting tried when a profile's grid is `one`. */
export const STUDY_003_ONE_SETTING = { batchNorm: "conv", dropout: 0.25 };

/**
 * The tuning candidates for a profile: `one` tries
 * {@linkcode STUDY_003_ONE_SETTING}; `subset` draws `maxTrials` distinct
 * grid points with the seed; `full` tries the whole grid (at most
 * `maxTrials`), in grid order.
 */
export function tuningCandidates(
  profile: Pick<Profile, "grid" | "maxTrials">,
  seed: number,
): { batchNorm: BatchNormPlacement; dropout: number }[] {
  const grid = gridSearch(STUDY_003_TUNING_SPACE);
  const chosen = profile.grid === "one"
    ? [STUDY_003_ONE_SETTING]
    : profile.grid === "subset"
    ? randomSearch(STUDY_003_TUNING_SPACE, profile.maxTrials, seed)
    : grid.slice(0, profile.maxTrials);
  return chosen.map((p) => ({
    batchNorm: p.batchNorm as BatchNormPlacement,
    dropout: p.dropout as number,
  }));
}

/** One trial of the tuning sweep, as the notebook tabulates it. */
export interface TuningTrial {
  /** BatchNorm placement. */
  batchNorm: BatchNormPlacement;
  /** Dropout rate. */
  dropout: number;
  /** The trial's run id. */
  runId: string;
  /** Validation accuracies of the kept epoch (per head and averaged); the average chose the winner. */
  validation: HeadAccuracies;
  /** Whether a complete earlier trial was reused. */
  reused: boolean;
}

/** The result of {@linkcode tuneStudy003}. */
export interface TuningResult {
  /** Every trial, in candidate order. */
  trials: TuningTrial[];
  /** The winner (highest averaged validation accuracy; the earlier on ties). */
  best: TuningTrial;
  /** The run id of the winner's one test evaluation. */
  testRunId: string;
  /** The winner's test metrics. */
  testMetrics: MultiOutputMetrics;
}

/** Validation accuracies of a saved model (a reused trial). */
async function savedModelAccuracies(
  dir: string,
  data: Study003Data,
): Promise<HeadAccuracies> {
  const model = await loadModel(dir);
  try {
    return await accuraciesOn(model, data.validation, data.classNames);
  } finally {
    model.dispose();
  }
}

/**
 * The BatchNorm x dropout sweep: each candidate trained as its own run
 * record (`Study 003 BN x dropout trial`), the winner chosen by the
 * averaged validation accuracy only, and the test split evaluated once,
 * for the winner, in its own run record (`Study 003 BN x dropout test`),
 * through `runSearch` (completed trials are reused).
 */
export async function tuneStudy003(
  context: Study003Context,
  data: Study003Data,
  options: {
    runsRoot?: string;
    progress?: ProgressReporter;
    onTrial?: (
      trial: TrialSummary<Params>,
      index: number,
      total: number,
    ) => void;
    candidates?: { batchNorm: BatchNormPlacement; dropout: number }[];
  } = {},
): Promise<TuningResult> {
  const root = options.runsRoot ?? DEFAULT_RUNS_ROOT;
  const candidates = (options.candidates ??
    tuningCandidates(context.profile, context.seed)).map((c) =>
      runParams({ ...c }, context.profile, data)
    );
  const measured = new Map<string, HeadAccuracies>();
  const result = await runSearch<Params>({
    name: "Study 003 BN x dropout",
    seed: context.seed,
    candidates,
    root,
    info: {
      dataset: data.dataset,
      splits: splitSizes(data),
      backend: backendRef(context.backend),
      tags: runTags(context.profile),
    },
    train: async (params, { seed, checkpointPath }) => {
      const trained = await trainMultiOutput(data, {
        batchNorm: params.batchNorm as BatchNormPlacement,
        dropout: params.dropout as number,
        filters: params.filters as number,
        kernelSize: params.kernelSize as number,
        denseSize: params.denseSize as number,
        blocks: params.blocks as number,
      }, {
        profile: context.profile,
        seed,
        checkpointPath,
        progress: options.progress,
      });
      measured.set(basename(dirname(checkpointPath)), trained.validation);
      return {
        model: trained.model,
        history: trained.fit.history,
        valAccuracy: trained.validation.average,
      };
    },
    test: async (model) => {
      const { predictions, metrics } = await evaluateMultiOutput(
        model,
        data.test,
        data.classNames,
        await accuraciesOn(model, data.validation, data.classNames),
      );
      return {
        predictions,
        metrics: metrics as unknown as Record<string, unknown>,
      };
    },
    onTrial: options.onTrial,
  });
  const trials: TuningTrial[] = [];
  for (const t of result.trials) {
    trials.push({
      batchNorm: t.params.batchNorm as BatchNormPlacement,
      dropout: t.params.dropout as number,
      runId: t.runId,
      validation: measured.get(t.runId) ??
        await savedModelAccuracies(join(root, t.runId, "model"), data),
      reused: t.reused,
    });
  }
  const best = trials[result.trials.indexOf(result.best)];
  return {
    trials,
    best,
    testRunId: result.testRunId,
    testMetrics: result.testMetrics as unknown as MultiOutputMetrics,
  };
}
