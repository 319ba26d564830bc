/**
 * What a dataset's conversion reads, before anything is converted: each
 * convertible dataset's images with their labels, gender, split stratum and
 * output group, the files whose label cannot be used, and the entries that
 * are not image files (each with its reason, for the skip report); and the
 * seeded per-class limit of small conversions. {@linkcode convertDataset}
 * (`convert_dataset.ts`) converts, splits and writes what is planned here.
 *
 * @module
 */
import { extname, join, relative } from "node:path";
import { createRng, shuffleInPlace } from "../../random.ts";
import {
  ConversionInputError,
  type ConvertItem,
  type EntrySkipReason,
} from "./convert.ts";
import { BOOKKEEPING_FILES } from "./conversion_manifest.ts";
import type { SplitName } from "../labels/splits.ts";
import { flatLabel, type TaxonomyLabel } from "../labels/label_tree.ts";
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

/** Label-file problems and taxonomy decisions of a product-images plan. */
export interface LabelDecisions {
  /** Rows of `styles.csv` that could not be read. */
  malformedRows: MalformedRow[];
  /** Rows that were repaired (line numbers). */
  repairedRows: number[];
  /** Rows left out, counted by reason. */
  excludedByReason: Record<string, number>;
  /** The class-size rule's minimum. */
  minClassSize: number;
  /** The class table after the rule. */
  classes: ClassCount[];
}

/** One image to convert, with what the split and the output files need. */
export interface Planned extends ConvertItem {
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
export interface Plan {
  /** Images with a usable label. */
  items: Planned[];
  /** Files whose label could not be used, listed before conversion. */
  labelSkips: ConvertItem[];
  /** Entries that are not image files (other types, folders, links). */
  entrySkips: ConvertItem[];
  /** Label-file problems and taxonomy decisions (product images only). */
  labels?: LabelDecisions;
}

/** Image file names the converter reads. */
const IMAGE_FILE = /\.(jpe?g|png|webp|gif|tiff?)$/i;

/**
 * Lists a folder of a dataset, sorted by name: its entries, and an entry
 * skip (with its reason) for each one that is not an image file the
 * pipeline reads. Dataset bookkeeping files (`SHA256SUMS`,
 * `FINGERPRINT.json`, `.verified.json`) are not inputs and not listed.
 * Ids of skipped entries are paths relative to `root`.
 *
 * @throws {ConversionInputError} naming the folder when it cannot be listed.
 */
function listFolder(
  dir: string,
  root: string,
  what: string,
): { images: string[]; folders: string[]; skips: ConvertItem[] } {
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(dir)];
  } catch (error) {
    throw new ConversionInputError(
      `${what} ${dir} cannot be listed (${
        error instanceof Deno.errors.NotFound
          ? "it does not exist"
          : (error as Error).message
      }). Run the data step (deno task data) or pass --in <folder>`,
    );
  }
  entries.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  const images: string[] = [];
  const folders: string[] = [];
  const skips: ConvertItem[] = [];
  const skip = (name: string, reason: EntrySkipReason, message: string) => {
    const path = join(dir, name);
    skips.push({
      id: relative(root, path),
      path,
      skip: { reason, message: `${path}: ${message}` },
    });
  };
  for (const entry of entries) {
    if (BOOKKEEPING_FILES.has(entry.name)) continue;
    if (entry.isSymlink) skip(entry.name, "symlink", "a symbolic link");
    else if (entry.isDirectory) folders.push(entry.name);
    else if (!entry.isFile) {
      skip(entry.name, "not-an-image-type", "not a regular file");
    } else if (!IMAGE_FILE.test(entry.name)) {
      const ext = extname(entry.name);
      skip(
        entry.name,
        "not-an-image-type",
        ext ? `files of type ${ext} are not read` : "a file without extension",
      );
    } else images.push(entry.name);
  }
  return { images, folders, skips };
}

/** Entry skips for folders found where only image files are expected. */
function folderSkips(
  dir: string,
  root: string,
  folders: readonly string[],
): ConvertItem[] {
  return folders.map((name) => {
    const path = join(dir, name);
    return {
      id: relative(root, path),
      path,
      skip: {
        reason: "folder",
        message: `${path}: a folder (its contents are not read)`,
      },
    };
  });
}

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
  const listing = listFolder(imageDir, inDir, "image folder");
  const entrySkips = [
    ...listing.skips,
    ...folderSkips(imageDir, inDir, listing.folders),
  ];
  const fileById = new Map<string, string>();
  const labelSkips: ConvertItem[] = [];
  for (const f of listing.images) {
    const id = f.replace(/\.[^.]+$/, "");
    // A second file with the same id (1000.jpg, 1000.png): the first one
    // in name order gets the styles.csv row; the other has no label.
    if (fileById.has(id)) {
      labelSkips.push({
        id: relative(inDir, join(imageDir, f)),
        path: join(imageDir, f),
      });
    } else fileById.set(id, f);
  }
  const rowIds = new Set(styles.rows.map((r) => r.id));
  const excludedByReason: Record<string, number> = {};
  const mapped: (Planned & { id: string; label: string; source: string })[] =
    [];
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
    entrySkips,
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
  const listing = listFolder(inDir, inDir, "photo folder");
  for (const file of listing.images) {
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
  return {
    items,
    labelSkips,
    entrySkips: [
      ...listing.skips,
      ...folderSkips(inDir, inDir, listing.folders),
    ],
  };
}

/**
 * `clothing-dataset-small`: one class folder per label inside each of the
 * dataset's own `train`, `validation` and `test` folders. Image files
 * directly in a split folder have no class (label skips).
 *
 * @throws {ConversionInputError} naming a split folder that is missing.
 */
function planClothingSmall(inDir: string): Plan {
  const items: Planned[] = [];
  const labelSkips: ConvertItem[] = [];
  const entrySkips: ConvertItem[] = [];
  const splits = ["train", "validation", "test"] as const;
  const missing = splits.map((split) => join(inDir, split)).filter((dir) => {
    try {
      return !Deno.statSync(dir).isDirectory;
    } catch {
      return true;
    }
  });
  if (missing.length > 0) {
    throw new ConversionInputError(
      `clothing-dataset-small: ${missing.join(", ")} ${
        missing.length === 1 ? "is" : "are"
      } missing; the dataset's layout is train/, validation/ and test/ under ${inDir}, each with one folder per class. Reinstall it with: deno task data clothing-dataset-small`,
    );
  }
  for (const split of splits) {
    const splitDir = join(inDir, split);
    const top = listFolder(splitDir, inDir, "split folder");
    entrySkips.push(...top.skips);
    for (const file of top.images) {
      const path = join(splitDir, file);
      labelSkips.push({ id: relative(inDir, path), path });
    }
    for (const cls of top.folders) {
      const listing = listFolder(join(splitDir, cls), inDir, "class folder");
      entrySkips.push(
        ...listing.skips,
        ...folderSkips(join(splitDir, cls), inDir, listing.folders),
      );
      for (const file of listing.images) {
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
  return { items, labelSkips, entrySkips };
}

/** Lists the dataset's images with their labels, the way its dataset needs. */
export async function planDataset(
  options: {
    dataset: ConvertibleDataset;
    inDir: string;
    minClassSize?: number;
  },
): Promise<Plan> {
  return options.dataset === "fashion-product-images"
    ? await planProductImages(options.inDir, options.minClassSize ?? 40)
    : options.dataset === "fashion-shop-samples"
    ? planShopSamples(options.inDir)
    : planClothingSmall(options.inDir);
}

/**
 * Keeps at most `limit` images per class (a seeded choice; for a preset
 * split, 80% / 10% / 10% of `limit` per split), or all without a limit.
 */
export function limitPerClass(
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
