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
 * lib/data/labels/splits.ts), `conversion-report.json` (every input entry
 * that was not converted, with its reason: unreadable or damaged images,
 * missing labels, and files of other types, folders and symbolic links
 * where images are expected; taxonomy counts table, near-duplicates,
 * timings) and, last, `conversion.json`, the manifest: the input's
 * fingerprint, every option that changes the output, and the fingerprint
 * of the arrays written (lib/data/images/conversion_manifest.ts).
 *
 * The output folder is replaced as a whole (lib/data/images/output_folder.ts):
 * everything is written into a fresh hidden sibling that is renamed into
 * place at the end, so no file of an earlier conversion survives and a
 * killed conversion never leaves a folder that looks finished. A
 * conversion that converts nothing (an empty folder, every image bad) or
 * whose input folders are missing fails with a {@link ConversionInputError}
 * naming the folder, and leaves the output folder as it was.
 *
 * @module
 */
import { basename, join } from "node:path";
import { writeJsonAtomic } from "../../io/atomic.ts";
import { shoeFacing } from "./augment.ts";
import {
  ConversionInputError,
  type ConversionReport,
  type ConversionResult,
  type ConvertedImage,
  convertImages,
  type ConvertItem,
  type ConvertProgress,
  stackImages,
} from "./convert.ts";
import { DEFAULT_DECODE, type Rgb } from "./decode.ts";
import {
  type ConversionManifest,
  type ConversionOptionsRecord,
  describeOutputs,
  inputFingerprint,
  MANIFEST_FILE,
  OUTPUTS_METHOD,
  writeConversionManifest,
} from "./conversion_manifest.ts";
import {
  checkOutputFolder,
  discardOutputFolder,
  replaceOutputFolder,
  startOutputFolder,
} from "./output_folder.ts";
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
  DEFAULT_FRACTIONS,
  removeNearDuplicates,
  type SplitFile,
  splitLookup,
  type SplitName,
  stratifiedSplit,
} from "../labels/splits.ts";
import { TAXONOMY } from "../labels/label_tree.ts";
import {
  CONVERTIBLE_DATASETS,
  type ConvertibleDataset,
  type LabelDecisions,
  limitPerClass,
  planDataset,
  type Planned,
} from "./dataset_plans.ts";

export { CONVERTIBLE_DATASETS, type ConvertibleDataset };

/**
 * The options a conversion records in its manifest, with the defaults
 * filled in: what {@link convertDataset} uses, and what a caller that needs
 * a default conversion (the studies) expects to find.
 */
export function conversionOptions(
  options:
    & Pick<ConvertDatasetOptions, "dataset">
    & Partial<ConvertDatasetOptions>,
): ConversionOptionsRecord {
  return {
    width: options.width ?? 90,
    height: options.height ?? 120,
    background: options.background ?? DEFAULT_DECODE.background,
    limitPerClass: options.limitPerClass ?? null,
    seed: options.seed ?? 42,
    minClassSize: options.dataset === "fashion-product-images"
      ? options.minClassSize ?? 40
      : null,
    split: options.dataset === "clothing-dataset-small"
      ? { method: "dataset folders" }
      : { method: "stratified", fractions: DEFAULT_FRACTIONS },
    phashThreshold: options.phashThreshold ?? DEFAULT_PHASH_THRESHOLD,
    removeNearDuplicates: options.removeNearDuplicates ?? false,
    decode: {
      kernel: DEFAULT_DECODE.kernel,
      maxInputPixels: DEFAULT_DECODE.maxInputPixels,
      minSide: DEFAULT_DECODE.minSide,
    },
  };
}

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
  labels?: LabelDecisions;
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
  /** The manifest written as `conversion.json` (input and output fingerprints, options). */
  manifest: ConversionManifest;
}

/** Split names as the authors' file names spell them. */
const SPLIT_TITLES: Record<SplitName, SplitTitle> = {
  train: "Train",
  validation: "Validation",
  test: "Test",
};

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
  const recorded = conversionOptions(options);
  const { width, height, seed } = recorded;
  const threshold = recorded.phashThreshold;
  await checkOutputFolder(options.outDir, options.inDir);
  const input = await inputFingerprint(options.inDir);
  const plan = await planDataset(options);
  const planned = limitPerClass(plan.items, options.limitPerClass, seed);
  const byId = new Map(planned.map((p) => [p.id, p]));
  const result = await convertPlanned(
    planned,
    [...plan.labelSkips, ...plan.entrySkips],
    options,
    width,
    height,
  );
  const converted = result.converted.filter((c) => byId.has(c.item.id));
  if (converted.length === 0) {
    throw new ConversionInputError(nothingConverted(options, result.report));
  }
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
  // Everything goes into a fresh sibling folder that replaces outDir at
  // the end, manifest last: no stale file survives, and a killed
  // conversion leaves nothing that looks finished.
  const temp = await startOutputFolder(options.outDir, options.inDir);
  try {
    const files = await writeNpzFiles(
      temp,
      planned,
      converted,
      byId,
      splitLookup(split),
      width,
      height,
    );
    await writeJsonAtomic(join(temp, "split.json"), { version: 1, ...split });
    const outputs = await describeOutputs(temp, files);
    const manifest: ConversionManifest = {
      version: 1,
      dataset: options.dataset,
      input: {
        dir: options.inDir,
        fingerprint: input.sha256,
        fingerprintFrom: input.from,
      },
      options: recorded,
      outputs: {
        fingerprint: outputs.fingerprint,
        method: OUTPUTS_METHOD,
        files: outputs.files,
        converted: result.report.converted,
        skipped: result.report.skipped.length,
      },
      converter: result.report.versions,
    };
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
      manifest,
    };
    await writeJsonAtomic(join(temp, "conversion-report.json"), report);
    await writeConversionManifest(temp, manifest);
    await replaceOutputFolder(temp, options.outDir);
    return report;
  } catch (error) {
    await discardOutputFolder(temp);
    throw error;
  }
}

/** The error message of a conversion that converted nothing. */
function nothingConverted(
  options: ConvertDatasetOptions,
  report: ConversionReport,
): string {
  const where =
    `${options.dataset}: nothing was converted from ${options.inDir}`;
  if (report.total === 0) {
    return `${where}: it holds no image files (${
      options.dataset === "fashion-product-images"
        ? "expected images/<id>.jpg with styles.csv rows"
        : options.dataset === "fashion-shop-samples"
        ? "expected NNNNN_<productId>_<Category>.jpg files"
        : "expected train/, validation/ and test/ with one folder per class"
    }). Nothing was written to ${options.outDir}`;
  }
  const reasons = Object.entries(report.skippedByReason).map(([r, n]) =>
    `${r} ${n}`
  ).join(", ");
  const first = report.skipped.slice(0, 3).map((s) => s.message).join("; ");
  return `${where}: all ${report.total} entries were skipped (${reasons}), e.g. ${first}. Nothing was written to ${options.outDir}`;
}

/**
 * Converts the planned images to `width` x `height`. The files whose label
 * could not be used and the entries that are not image files go through the
 * converter too, so they land in the same skip list (label-missing /
 * unknown-class / not-an-image-type / folder / symlink) as unreadable files.
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
    `${report.dataset}: ${c.converted} of ${c.total} inputs converted to ${c.width}x${c.height} ` +
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
  if (c.trailingDataIgnored.length > 0) {
    lines.push(
      `converted without the data after their end-of-image marker: ${c.trailingDataIgnored.length} JPEG(s) (listed in conversion-report.json)`,
    );
  }
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
  const m = report.manifest;
  lines.push(
    `arrays fingerprint ${m.outputs.fingerprint} (${MANIFEST_FILE}: input ${
      m.input.fingerprint.slice(0, 16)
    }… from ${m.input.fingerprintFrom}${
      m.options.limitPerClass === null
        ? ""
        : `, --limit-per-class ${m.options.limitPerClass}`
    })`,
  );
  return lines.join("\n");
}
