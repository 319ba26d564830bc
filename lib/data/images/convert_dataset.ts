/**
 * Converts a whole raw dataset folder into `.npz` arrays in the fashion-shop
 * authors' layout, with a seeded split, near-duplicate check and a
 * conversion report. `deno task convert` (tasks/convert.ts) is a thin
 * wrapper around {@link convertDataset}.
 *
 * Datasets and outputs (in `outDir`):
 *
 * - `fashion-product-images`: `styles.csv` mapped onto the label tree
 *   (lib/data/labels/style_rules.ts), small classes merged or dropped
 *   (lib/data/labels/class_size.ts), split 80/10/10 stratified by flat
 *   label; one file per category, subset and split in the authors' naming:
 *   `Shoes - All - Train.npz`, `Shoes - Male - Train.npz`,
 *   `Shoes - Female - Train.npz`, the same for `Trousers & Jeans`, and
 *   `Glasses & Sunglasses - All - Train.npz` (each also for `Validation` and
 *   `Test`). `labels` hold the type (`High heels`), `genders` the gender
 *   (`Male`, `Female`; for glasses also `Unisex`).
 * - `fashion-shop-samples`: the 164 sample photos, main category from the
 *   file name; `Samples - All - <Split>.npz` with `labels` = main category
 *   (`Shoes`, `Trousers&Jeans`, `Glasses&Sunglasses`) and `genders` =
 *   `Unknown`.
 * - `clothing-dataset-small`: keeps the dataset's own train / validation /
 *   test folders; `Clothing - All - <Split>.npz` with `labels` = class folder
 *   (`dress`, `longsleeve`, ...) and `genders` = `Unknown`.
 *
 * Always written: `split.json` (ids per split, see
 * lib/data/labels/splits.ts) and `conversion-report.json` (every skipped
 * file with its reason, taxonomy counts table, near-duplicates, timings),
 * both atomically.
 *
 * @module
 */
import { basename, join, relative } from "node:path";
import { writeJsonAtomic } from "../../io/atomic.ts";
import { createRng, shuffleInPlace } from "../../random.ts";
import { shoeFacing } from "./augment.ts";
import {
  type ConversionReport,
  type ConversionResult,
  type ConvertedImage,
  convertImages,
  type ConvertItem,
  type ConvertProgress,
  stackImages,
} from "./convert.ts";
import type { Rgb } from "./decode.ts";
import {
  fashionNpzName,
  type SplitTitle,
  writeFashionNpz,
} from "../formats/npz.ts";
import {
  DEFAULT_PHASH_THRESHOLD,
  findCrossGroupDuplicates,
  imageSignature,
  type NearDuplicate,
} from "./phash.ts";
import {
  removeNearDuplicates,
  type SplitFile,
  splitLookup,
  type SplitName,
  stratifiedSplit,
} from "../labels/splits.ts";
import {
  flatLabel,
  TAXONOMY,
  type TaxonomyLabel,
} from "../labels/label_tree.ts";
import { type MalformedRow, readStylesCsv } from "../labels/styles_csv.ts";
import { mapStyleRow } from "../labels/style_rules.ts";
import { applyClassSizeRule, type ClassCount } from "../labels/class_size.ts";

/** Datasets {@link convertDataset} knows. */
export const CONVERTIBLE_DATASETS = [
  "fashion-product-images",
  "fashion-shop-samples",
  "clothing-dataset-small",
] as const;

/** One of {@link CONVERTIBLE_DATASETS}. */
export type ConvertibleDataset = typeof CONVERTIBLE_DATASETS[number];

/** Options for {@link convertDataset}. */
export interface ConvertDatasetOptions {
  /** Which dataset. */
  dataset: ConvertibleDataset;
  /** Raw dataset folder (e.g. `data/raw/fashion-product-images` or the mirror's). */
  inDir: string;
  /** Output folder, e.g. `data/processed/fashion-product-images`. */
  outDir: string;
  /** Output width (default 90). */
  width?: number;
  /** Output height (default 120). */
  height?: number;
  /** Padding colour (default white). */
  background?: Rgb;
  /** Keep at most this many images per class (seeded choice); for smoke runs. */
  limitPerClass?: number;
  /** The run seed (default 42). */
  seed?: number;
  /** Minimum class size for the taxonomy rule (default 40). */
  minClassSize?: number;
  /** Files in flight at once (default 4). */
  concurrency?: number;
  /** Hamming threshold for near-duplicates (default 6). */
  phashThreshold?: number;
  /** Remove near-duplicates from validation/test (default false: report only). */
  removeNearDuplicates?: boolean;
  /** Progress callback. */
  onProgress?: (progress: ConvertProgress) => void;
}

/** An output `.npz` file and what it holds. */
export interface WrittenFile {
  /** File name inside `outDir`. */
  file: string;
  /** Images in it. */
  count: number;
  /** Images per label. */
  labels: Record<string, number>;
}

/** The full report written as `conversion-report.json`. */
export interface DatasetConversionReport {
  /** Dataset id. */
  dataset: ConvertibleDataset;
  /** Input folder. */
  inDir: string;
  /** Output folder. */
  outDir: string;
  /** Seed used for the class limit and the split. */
  seed: number;
  /** `--limit-per-class`, if any. */
  limitPerClass?: number;
  /** How labels are encoded in the `.npz` files. */
  labelEncoding: string;
  /** Image conversion (skips included). */
  conversion: ConversionReport;
  /** Label-file problems and taxonomy decisions (product images only). */
  labels?: {
    malformedRows: MalformedRow[];
    repairedRows: number[];
    excludedByReason: Record<string, number>;
    minClassSize: number;
    classes: ClassCount[];
  };
  /** Split sizes per stratum. */
  split: SplitFile["strata"];
  /** Near-duplicate pairs across splits. */
  nearDuplicates: {
    threshold: number;
    removed: boolean;
    pairs: NearDuplicate[];
  };
  /** Shoe orientation statistic over the converted shoes (product images only). */
  shoeOrientation?: Record<string, number>;
  /** Files written. */
  files: WrittenFile[];
}

/** One image to convert, with what the split and the output files need. */
interface Planned extends ConvertItem {
  /** Stratum for the split (flat label). */
  stratum: string;
  /** Output file group, e.g. `Shoes`. */
  group: string;
  /** Taxonomy leaf, for product images. */
  leaf?: TaxonomyLabel;
  /** Preset split (clothing-dataset-small). */
  presetSplit?: SplitName;
}

/** A dataset's images before conversion, see {@link planDataset}. */
interface Plan {
  /** Images with a usable label. */
  items: Planned[];
  /** Files whose label could not be used, listed before conversion. */
  labelSkips: ConvertItem[];
  /** Label-file problems and taxonomy decisions (product images only). */
  labels?: DatasetConversionReport["labels"];
}

/** Split names as the authors' file names spell them. */
const SPLIT_TITLES: Record<SplitName, SplitTitle> = {
  train: "Train",
  validation: "Validation",
  test: "Test",
};

/**
 * Names of the files in `dir` matching `pattern`, sorted.
 *
 * @throws if `dir` cannot be listed, saying how to get the data.
 */
function listFiles(dir: string, pattern: RegExp): string[] {
  try {
    return [...Deno.readDirSync(dir)]
      .filter((e) => e.isFile && pattern.test(e.name))
      .map((e) => e.name)
      .sort();
  } catch (error) {
    throw new Error(
      `Cannot list ${dir}: ${
        (error as Error).message
      }. Run the data step (deno task data) or pass --in <folder>`,
    );
  }
}

/** Image file names the converter reads. */
const IMAGE_FILE = /\.(jpe?g|png|webp|gif|tiff?)$/i;

/**
 * `fashion-product-images`: maps each `styles.csv` row onto the label tree,
 * applies the class-size rule and counts every exclusion by reason. Image
 * files without a row are listed as label skips.
 */
async function planProductImages(
  inDir: string,
  minClassSize: number,
): Promise<Plan> {
  const styles = await readStylesCsv(join(inDir, "styles.csv"));
  const imageDir = join(inDir, "images");
  const files = listFiles(imageDir, IMAGE_FILE);
  const fileById = new Map(files.map((f) => [f.replace(/\.[^.]+$/, ""), f]));
  const rowIds = new Set(styles.rows.map((r) => r.id));
  const excludedByReason: Record<string, number> = {};
  const mapped: (Planned & { id: string; label: string; source: string })[] =
    [];
  const labelSkips: ConvertItem[] = [];
  for (const row of styles.rows) {
    const m = mapStyleRow(row);
    if (m.kind === "excluded") {
      excludedByReason[m.reason] = (excludedByReason[m.reason] ?? 0) + 1;
      continue;
    }
    const file = fileById.get(row.id) ?? `${row.id}.jpg`;
    const gender = m.label.gender ??
      ({ Men: "Male", Boys: "Male", Women: "Female", Girls: "Female" }[
        row.gender
      ] ?? "Unisex");
    mapped.push({
      id: row.id,
      path: join(imageDir, file),
      label: m.label.type,
      gender,
      leaf: m.label,
      stratum: flatLabel(m.label),
      group: m.label.category,
      source: `${row.gender}/${row.subCategory}/${row.articleType}`,
    });
  }
  // Image files with no styles.csv row cannot be placed in the tree.
  for (const [id, file] of fileById) {
    if (!rowIds.has(id)) {
      labelSkips.push({ id, path: join(imageDir, file) });
    }
  }
  const rule = applyClassSizeRule(
    mapped.map((m) => ({ ...m, label: m.leaf! })),
    minClassSize,
    (m) => m.source,
  );
  const items: Planned[] = rule.items.map((m) => ({
    id: m.id,
    path: m.path,
    label: m.label.type,
    gender: m.gender,
    leaf: m.label,
    stratum: flatLabel(m.label),
    group: m.label.category,
  }));
  const keptIds = new Set(items.map((i) => i.id));
  for (const m of mapped) {
    if (!keptIds.has(m.id)) {
      const reason =
        `class ${m.stratum} under ${minClassSize} images (dropped)`;
      excludedByReason[reason] = (excludedByReason[reason] ?? 0) + 1;
    }
  }
  return {
    items,
    labelSkips,
    labels: {
      malformedRows: styles.malformed,
      repairedRows: styles.repaired,
      excludedByReason,
      minClassSize,
      classes: rule.table,
    },
  };
}

/** Main category by the name in a shop sample's file name. */
const SHOP_CATEGORY: Record<string, string> = {
  "Glasses & Sunglasses": "Glasses&Sunglasses",
  "Trousers & Jeans": "Trousers&Jeans",
  Shoes: "Shoes",
};

/**
 * `fashion-shop-samples`: the main category comes from the file name
 * (`NNNNN_<productId>_<Category>.jpg`); other names are label skips.
 */
function planShopSamples(inDir: string): Plan {
  const items: Planned[] = [];
  const labelSkips: ConvertItem[] = [];
  for (const file of listFiles(inDir, IMAGE_FILE)) {
    const m = /^(\d+)_(\d+)_(.+)\.[^.]+$/.exec(file);
    const category = m ? SHOP_CATEGORY[m[3]] : undefined;
    const id = m ? `${m[1]}_${m[2]}` : file;
    if (!category) {
      // Named outside the NNNNN_<productId>_<Category> scheme.
      labelSkips.push({ id, path: join(inDir, file), label: m?.[3] });
      continue;
    }
    items.push({
      id,
      path: join(inDir, file),
      label: category,
      gender: "Unknown",
      stratum: category,
      group: "Samples",
    });
  }
  return { items, labelSkips };
}

/**
 * `clothing-dataset-small`: one class folder per label inside each of the
 * dataset's own `train`, `validation` and `test` folders.
 */
function planClothingSmall(inDir: string): Plan {
  const items: Planned[] = [];
  for (const split of ["train", "validation", "test"] as const) {
    const splitDir = join(inDir, split);
    const classes = [...Deno.readDirSync(splitDir)].filter((e) => e.isDirectory)
      .map((e) => e.name).sort();
    for (const cls of classes) {
      for (const file of listFiles(join(splitDir, cls), IMAGE_FILE)) {
        const path = join(splitDir, cls, file);
        items.push({
          id: relative(inDir, path),
          path,
          label: cls,
          gender: "Unknown",
          stratum: cls,
          group: "Clothing",
          presetSplit: split,
        });
      }
    }
  }
  return { items, labelSkips: [] };
}

/**
 * Keeps at most `limit` images per class (a seeded choice; for a preset
 * split, 80% / 10% / 10% of `limit` per split), or all without a limit.
 */
function limitPerClass(
  items: Planned[],
  limit: number | undefined,
  seed: number,
): Planned[] {
  if (limit === undefined) return items;
  const byClass = new Map<string, Planned[]>();
  for (const item of items) {
    const key = item.presetSplit
      ? `${item.stratum}|${item.presetSplit}`
      : item.stratum;
    if (!byClass.has(key)) byClass.set(key, []);
    byClass.get(key)!.push(item);
  }
  const keep = new Set<string>();
  for (
    const [key, members] of [...byClass].sort(([a], [b]) => a < b ? -1 : 1)
  ) {
    const ids = members.map((m) => m.id).sort();
    shuffleInPlace(ids, createRng(seed).fork(`limit:${key}`));
    // A preset split keeps the same proportions: scale the limit by split.
    const share = key.endsWith("|train") ? 0.8 : key.includes("|") ? 0.1 : 1;
    const n = Math.max(1, Math.round(limit * share));
    for (const id of ids.slice(0, n)) keep.add(id);
  }
  return items.filter((i) => keep.has(i.id));
}

/** Output subsets of a group: `All`, plus `Male` and `Female` when gendered. */
function subsetsOf(group: string): string[] {
  const info = Object.values(TAXONOMY).find((c) => c.name === group);
  return info?.gendered ? ["All", "Male", "Female"] : ["All"];
}

/** A group's name in the authors' file names, e.g. `Trousers & Jeans`. */
function fileCategoryName(group: string): string {
  const info = Object.values(TAXONOMY).find((c) => c.name === group);
  return info ? info.fileName : group;
}

/**
 * Converts one dataset folder (see module docs). Returns the report that is
 * also written to `conversion-report.json`.
 *
 * Steps: list the images with their labels ({@link planDataset}, then
 * {@link limitPerClass}), convert them ({@link convertPlanned}), split the
 * ones that converted ({@link splitConverted}), look for near-duplicates
 * across the splits ({@link checkNearDuplicates}), count which way the shoes
 * face ({@link countShoeOrientation}, product images only), write the `.npz`
 * files ({@link writeNpzFiles}), then `split.json` and the report.
 */
export async function convertDataset(
  options: ConvertDatasetOptions,
): Promise<DatasetConversionReport> {
  const width = options.width ?? 90;
  const height = options.height ?? 120;
  const seed = options.seed ?? 42;
  const threshold = options.phashThreshold ?? DEFAULT_PHASH_THRESHOLD;
  const plan = await planDataset(options);
  const planned = limitPerClass(plan.items, options.limitPerClass, seed);
  const byId = new Map(planned.map((p) => [p.id, p]));
  const result = await convertPlanned(
    planned,
    plan.labelSkips,
    options,
    width,
    height,
  );
  const converted = result.converted.filter((c) => byId.has(c.item.id));
  const { split, pairs } = await checkNearDuplicates(
    splitConverted(options.dataset, converted, byId, seed),
    converted,
    width,
    height,
    threshold,
    options.removeNearDuplicates,
  );
  const shoeOrientation = options.dataset === "fashion-product-images"
    ? countShoeOrientation(converted, byId, width, height)
    : undefined;
  const files = await writeNpzFiles(
    options.outDir,
    planned,
    converted,
    byId,
    splitLookup(split),
    width,
    height,
  );
  await writeJsonAtomic(join(options.outDir, "split.json"), {
    version: 1,
    ...split,
  });
  const report: DatasetConversionReport = {
    dataset: options.dataset,
    inDir: options.inDir,
    outDir: options.outDir,
    seed,
    limitPerClass: options.limitPerClass,
    labelEncoding:
      "labels and genders are fixed-width unicode arrays (<U..) holding the " +
      "taxonomy's strings; numpy.load reads them without allow_pickle",
    conversion: result.report,
    labels: plan.labels,
    split: split.strata,
    nearDuplicates: {
      threshold,
      removed: options.removeNearDuplicates ?? false,
      pairs,
    },
    shoeOrientation,
    files,
  };
  await writeJsonAtomic(join(options.outDir, "conversion-report.json"), report);
  return report;
}

/** Lists the dataset's images with their labels, the way its dataset needs. */
async function planDataset(options: ConvertDatasetOptions): Promise<Plan> {
  return options.dataset === "fashion-product-images"
    ? await planProductImages(options.inDir, options.minClassSize ?? 40)
    : options.dataset === "fashion-shop-samples"
    ? planShopSamples(options.inDir)
    : planClothingSmall(options.inDir);
}

/**
 * Converts the planned images to `width` x `height`. The files whose label
 * could not be used go through the converter too, so they land in the same
 * skip list (label-missing / unknown-class) as unreadable files.
 */
function convertPlanned(
  planned: readonly Planned[],
  labelSkips: readonly ConvertItem[],
  options: ConvertDatasetOptions,
  width: number,
  height: number,
): Promise<ConversionResult> {
  return convertImages([...planned, ...labelSkips], {
    width,
    height,
    background: options.background,
    concurrency: options.concurrency,
    knownLabels: new Set(planned.map((p) => p.label!)),
    onProgress: options.onProgress,
  });
}

/**
 * Splits the images that converted (skipped files must not unbalance the
 * split): `clothing-dataset-small` keeps its own train / validation / test
 * folders; the others are split 80/10/10 by {@link stratifiedSplit},
 * stratified by flat label.
 */
function splitConverted(
  dataset: ConvertibleDataset,
  converted: readonly ConvertedImage[],
  byId: ReadonlyMap<string, Planned>,
  seed: number,
): SplitFile {
  if (dataset === "clothing-dataset-small") {
    const strata: SplitFile["strata"] = {};
    const ids: Record<SplitName, string[]> = {
      train: [],
      validation: [],
      test: [],
    };
    for (const c of converted) {
      const p = byId.get(c.item.id)!;
      ids[p.presetSplit!].push(p.id);
      strata[p.stratum] ??= { train: 0, validation: 0, test: 0 };
      strata[p.stratum][p.presetSplit!]++;
    }
    const split: SplitFile = {
      dataset,
      seed,
      fractions: { train: NaN, validation: NaN, test: NaN },
      strata,
      ...ids,
    };
    split.fractions = {
      train: ids.train.length / converted.length,
      validation: ids.validation.length / converted.length,
      test: ids.test.length / converted.length,
    };
    return split;
  }
  return {
    dataset,
    ...stratifiedSplit(
      converted.map((c) => ({
        id: c.item.id,
        stratum: byId.get(c.item.id)!.stratum,
      })),
      { seed },
    ),
  };
}

/**
 * Finds near-duplicate pairs across the splits (pHash distance at most
 * `threshold` bits), hashed from the converted `width` x `height` arrays.
 * With `remove` they are removed from validation / test; otherwise the split
 * only lists them. Returns the split to write and the pairs.
 */
async function checkNearDuplicates(
  split: SplitFile,
  converted: readonly ConvertedImage[],
  width: number,
  height: number,
  threshold: number,
  remove: boolean | undefined,
): Promise<{ split: SplitFile; pairs: NearDuplicate[] }> {
  const where = splitLookup(split);
  const hashed = await Promise.all(converted.map(async (c) => ({
    id: c.item.id,
    group: where.get(c.item.id)!,
    ...(await imageSignature(c.pixels, width, height)),
  })));
  const pairs = findCrossGroupDuplicates(hashed, {
    threshold,
    groupOrder: ["train", "validation", "test"],
  });
  return {
    split: remove
      ? removeNearDuplicates(split, pairs)
      : { ...split, nearDuplicates: pairs },
    pairs,
  };
}

/** How many converted shoes face left, right or neither ({@link shoeFacing}). */
function countShoeOrientation(
  converted: readonly ConvertedImage[],
  byId: ReadonlyMap<string, Planned>,
  width: number,
  height: number,
): Record<string, number> {
  const shoeOrientation = { left: 0, right: 0, unknown: 0 };
  for (const c of converted) {
    if (byId.get(c.item.id)!.group !== "Shoes") continue;
    shoeOrientation[shoeFacing(c.pixels, width, height, 3).facing]++;
  }
  return shoeOrientation;
}

/**
 * Writes one `.npz` per group, subset and split, in the authors' naming
 * (`Shoes - Female - Train.npz`); a combination with no images gets no
 * file. `where` gives each image's final split.
 */
async function writeNpzFiles(
  outDir: string,
  planned: readonly Planned[],
  converted: readonly ConvertedImage[],
  byId: ReadonlyMap<string, Planned>,
  where: ReadonlyMap<string, SplitName>,
  width: number,
  height: number,
): Promise<WrittenFile[]> {
  const files: WrittenFile[] = [];
  const groups = [...new Set(planned.map((p) => p.group))].sort();
  for (const group of groups) {
    for (const subset of subsetsOf(group)) {
      for (const splitName of ["train", "validation", "test"] as const) {
        const members: ConvertedImage[] = converted.filter((c) => {
          const p = byId.get(c.item.id)!;
          return p.group === group && where.get(p.id) === splitName &&
            (subset === "All" || p.gender === subset);
        });
        if (members.length === 0) continue;
        const file = fashionNpzName(
          fileCategoryName(group),
          subset,
          SPLIT_TITLES[splitName],
        );
        const labels = members.map((m) => m.item.label!);
        await writeFashionNpz(join(outDir, file), {
          images: stackImages(members),
          height,
          width,
          labels,
          genders: members.map((m) => m.item.gender ?? "Unknown"),
        });
        const counts: Record<string, number> = {};
        for (const l of labels) counts[l] = (counts[l] ?? 0) + 1;
        files.push({ file, count: members.length, labels: counts });
      }
    }
  }
  return files;
}

/** A short human-readable summary of a report. */
export function summarizeReport(report: DatasetConversionReport): string {
  const c = report.conversion;
  const lines = [
    `${report.dataset}: ${c.converted} of ${c.total} images converted to ${c.width}x${c.height} ` +
    `in ${c.elapsedSeconds.toFixed(1)} s (${
      c.imagesPerSecond.toFixed(1)
    } img/s)`,
  ];
  const skips = Object.entries(c.skippedByReason);
  lines.push(
    skips.length === 0
      ? "skipped: none"
      : `skipped: ${
        skips.map(([r, n]) => `${r} ${n}`).join(", ")
      } (listed in conversion-report.json)`,
  );
  if (report.labels) {
    const l = report.labels;
    lines.push(
      `styles.csv: ${l.malformedRows.length} malformed rows, ${l.repairedRows.length} repaired rows`,
    );
    for (const row of l.classes) {
      const what = row.status === "merged"
        ? `merged into ${row.into}`
        : row.status === "kept"
        ? `kept (${row.finalCount})`
        : row.status;
      lines.push(
        `  ${row.label.padEnd(48)} ${String(row.count).padStart(5)}  ${what}`,
      );
    }
  }
  const d = report.nearDuplicates;
  lines.push(
    `near-duplicates across splits (pHash <= ${d.threshold} bits): ${d.pairs.length}` +
      (d.removed
        ? " (removed from validation/test)"
        : " (reported, not removed)"),
  );
  if (report.shoeOrientation) {
    const s = report.shoeOrientation;
    lines.push(
      `shoe orientation: right ${s.right}, left ${s.left}, unknown ${s.unknown}`,
    );
  }
  for (const f of report.files) {
    lines.push(
      `  ${basename(f.file).padEnd(48)} ${String(f.count).padStart(5)}`,
    );
  }
  return lines.join("\n");
}
