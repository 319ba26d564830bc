/**
 * The fashion shop's label tree (study 000, "Fashion Shop Images
 * Classification"): main category -> gender -> type, with the studies' exact
 * class names, and the documented mapping of the Fashion Product Images
 * `styles.csv` onto it (the real stand-in for the shop's data).
 *
 * Tree (study 000's strings):
 *
 * | main category | gender | types |
 * | --- | --- | --- |
 * | `Trousers&Jeans` | `Male`, `Female` | `Jeans`, `Trousers` |
 * | `Shoes` | `Male` | `Boots`, `Trainers/Sneakers`, `Sandals/Flip flops/Slippers`, `Formal shoes`, `Others` |
 * | `Shoes` | `Female` | `Boots`, `Ballerina`, `Trainers/Sneakers`, `High heels`, `Sandals/Flip flops/Slippers`, `Others` |
 * | `Glasses&Sunglasses` | (none) | `Glasses`, `Sunglasses` |
 *
 * Study 001 writes one flat label per image such as `Shoes-Female-Sandals`;
 * {@link flatLabel} builds the same shape from this tree's names
 * (`Shoes-Female-Sandals/Flip flops/Slippers`).
 *
 * Mapping of `styles.csv` (see {@link STYLE_RULES} for the full table):
 *
 * - Gender: `Men`/`Boys` -> `Male`, `Women`/`Girls` -> `Female`. `Unisex`
 *   items have no gender label, so they are excluded from the gendered
 *   categories (Shoes, Trousers&Jeans) and kept for Glasses&Sunglasses,
 *   which has no gender level.
 * - Footwear: `Sports Shoes` -> `Trainers/Sneakers` (running and training
 *   shoes); `Casual Shoes` -> `Others` (the catalogue's casual shoes mix
 *   canvas sneakers, loafers, moccasins and boots, and the labels cannot tell
 *   them apart, so they go to the study's catch-all rather than polluting
 *   Trainers/Sneakers); `Formal Shoes` -> `Formal shoes`; `Heels` ->
 *   `High heels`; `Flats` -> `Ballerina` (women's flat shoes); `Sandals`,
 *   `Sports Sandals`, `Flip Flops` -> `Sandals/Flip flops/Slippers`. The
 *   catalogue has no boots article type, so `Boots` has no images.
 * - Bottomwear: `Jeans`, `Jeggings` -> `Jeans`; `Trousers`, `Track Pants`,
 *   `Capris`, `Rain Trousers` -> `Trousers` (full- or cropped-length
 *   non-denim trousers). Shorts, skirts, leggings, stockings and the like are
 *   outside the tree.
 * - Eyewear: `Sunglasses` -> `Sunglasses`. The catalogue has no optical
 *   glasses, so the Glasses-vs-Sunglasses model cannot be trained on it.
 *
 * Class-size rule ({@link applyClassSizeRule}): a (category, gender, type)
 * class with fewer than `minClassSize` images (default 40) is merged into its
 * gender's `Others` class when the category has one and the class is not
 * `Others` itself; otherwise it is dropped. Each decision is listed in the
 * counts table for the report.
 *
 * @module
 */

/** The three main categories, in study 000's spelling. */
export const MAIN_CATEGORIES = [
  "Trousers&Jeans",
  "Shoes",
  "Glasses&Sunglasses",
] as const;

/** One of {@link MAIN_CATEGORIES}. */
export type MainCategory = typeof MAIN_CATEGORIES[number];

/** Gender level of the tree. */
export type Gender = "Male" | "Female";

/** Male shoe types, study 000's exact strings and order. */
export const MALE_SHOE_TYPES = [
  "Boots",
  "Trainers/Sneakers",
  "Sandals/Flip flops/Slippers",
  "Formal shoes",
  "Others",
] as const;

/** Female shoe types, study 000's exact strings and order. */
export const FEMALE_SHOE_TYPES = [
  "Boots",
  "Ballerina",
  "Trainers/Sneakers",
  "High heels",
  "Sandals/Flip flops/Slippers",
  "Others",
] as const;

/** Trousers & jeans types (both genders). */
export const TROUSERS_JEANS_TYPES = ["Jeans", "Trousers"] as const;

/** Glasses types (no gender level). */
export const GLASSES_TYPES = ["Glasses", "Sunglasses"] as const;

/** A category's place in the tree and its name in the authors' `.npz` files. */
export interface CategoryInfo {
  /** Study 000's name, e.g. `Trousers&Jeans`. */
  name: MainCategory;
  /** Name used in the authors' file names, e.g. `Trousers & Jeans`. */
  fileName: string;
  /** Whether the category has a gender level. */
  gendered: boolean;
  /** Types per gender; for an ungendered category both keys hold the same list. */
  types: Record<Gender, readonly string[]>;
}

/** The whole tree, keyed by main category. */
export const TAXONOMY: Record<MainCategory, CategoryInfo> = {
  "Trousers&Jeans": {
    name: "Trousers&Jeans",
    fileName: "Trousers & Jeans",
    gendered: true,
    types: { Male: TROUSERS_JEANS_TYPES, Female: TROUSERS_JEANS_TYPES },
  },
  Shoes: {
    name: "Shoes",
    fileName: "Shoes",
    gendered: true,
    types: { Male: MALE_SHOE_TYPES, Female: FEMALE_SHOE_TYPES },
  },
  "Glasses&Sunglasses": {
    name: "Glasses&Sunglasses",
    fileName: "Glasses & Sunglasses",
    gendered: false,
    types: { Male: GLASSES_TYPES, Female: GLASSES_TYPES },
  },
};

/** A leaf of the tree: where one image belongs. */
export interface TaxonomyLabel {
  /** Main category. */
  category: MainCategory;
  /** Gender, or `undefined` for Glasses&Sunglasses. */
  gender?: Gender;
  /** Type within category and gender. */
  type: string;
}

/**
 * Study 001's flat label: `Category-Gender-Type`, or `Category-Type` without
 * a gender level.
 *
 * @example
 * ```ts
 * flatLabel({ category: "Shoes", gender: "Female", type: "High heels" });
 * // "Shoes-Female-High heels"
 * ```
 */
export function flatLabel(label: TaxonomyLabel): string {
  return label.gender
    ? `${label.category}-${label.gender}-${label.type}`
    : `${label.category}-${label.type}`;
}

/** Whether `label` is a leaf of the tree (exact strings). */
export function isValidLabel(label: TaxonomyLabel): boolean {
  const info = TAXONOMY[label.category];
  if (!info) return false;
  if (!info.gendered) {
    return label.gender === undefined && info.types.Male.includes(label.type);
  }
  return label.gender !== undefined &&
    info.types[label.gender].includes(label.type);
}

// ------------------------------------------------------------ styles.csv

/** One row of `styles.csv`. */
export interface StyleRow {
  /** Product id; the image is `images/<id>.jpg`. */
  id: string;
  /** `Men`, `Women`, `Boys`, `Girls` or `Unisex`. */
  gender: string;
  /** e.g. `Footwear`. */
  masterCategory: string;
  /** e.g. `Shoes`. */
  subCategory: string;
  /** e.g. `Casual Shoes`. */
  articleType: string;
  /** All columns by header name (including the ones above). */
  fields: Record<string, string>;
  /** 1-based line number in the file. */
  line: number;
}

/** A row that could not be used, with the reason. */
export interface MalformedRow {
  /** 1-based line number. */
  line: number;
  /** What was wrong. */
  reason: string;
  /** The raw line (truncated to 200 characters). */
  text: string;
}

/** Result of {@link parseStylesCsv}. */
export interface StylesTable {
  /** Usable rows. */
  rows: StyleRow[];
  /** Rows skipped, each with a reason. */
  malformed: MalformedRow[];
  /** Rows with extra unquoted commas whose surplus fields were joined into the last column. */
  repaired: number[];
}

const REQUIRED_COLUMNS = [
  "id",
  "gender",
  "masterCategory",
  "subCategory",
  "articleType",
];

/** Splits one CSV line, honouring double quotes (`""` escapes a quote). */
export function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"' && field.length === 0) quoted = true;
    else if (ch === ",") {
      out.push(field);
      field = "";
    } else field += ch;
  }
  out.push(field);
  return out;
}

/**
 * Parses `styles.csv` robustly: quoted fields are honoured; rows with more
 * fields than the header (unquoted commas in the last column, as in the
 * Kaggle file's `productDisplayName`) have the surplus joined back into the
 * last column and are listed in `repaired`; rows with too few fields, an
 * empty or non-numeric id, or a duplicate id are listed in `malformed`.
 *
 * @param source file name used in errors
 * @throws if the header lacks a required column.
 */
export function parseStylesCsv(
  text: string,
  source = "styles.csv",
): StylesTable {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  const header = splitCsvLine(lines[0] ?? "").map((h) => h.trim());
  const missing = REQUIRED_COLUMNS.filter((c) => !header.includes(c));
  if (missing.length > 0) {
    throw new Error(
      `${source}: header lacks column(s) ${missing.join(", ")} (found: ${
        header.join(", ")
      })`,
    );
  }
  const rows: StyleRow[] = [];
  const malformed: MalformedRow[] = [];
  const repaired: number[] = [];
  const seen = new Set<string>();
  for (let i = 1; i < lines.length; i++) {
    const raw = lines[i];
    if (raw.trim() === "") continue;
    const line = i + 1;
    let cells = splitCsvLine(raw);
    if (cells.length < header.length) {
      malformed.push({
        line,
        reason: `${cells.length} fields, header has ${header.length}`,
        text: raw.slice(0, 200),
      });
      continue;
    }
    if (cells.length > header.length) {
      cells = [
        ...cells.slice(0, header.length - 1),
        cells.slice(header.length - 1).join(","),
      ];
      repaired.push(line);
    }
    const fields: Record<string, string> = {};
    header.forEach((h, k) => fields[h] = cells[k].trim());
    if (!/^\d+$/.test(fields.id)) {
      malformed.push({
        line,
        reason: `id '${fields.id}' is not a number`,
        text: raw.slice(0, 200),
      });
      continue;
    }
    if (seen.has(fields.id)) {
      malformed.push({
        line,
        reason: `duplicate id ${fields.id}`,
        text: raw.slice(0, 200),
      });
      continue;
    }
    seen.add(fields.id);
    rows.push({
      id: fields.id,
      gender: fields.gender,
      masterCategory: fields.masterCategory,
      subCategory: fields.subCategory,
      articleType: fields.articleType,
      fields,
      line,
    });
  }
  return { rows, malformed, repaired };
}

/** Reads and parses `styles.csv` from a dataset folder. */
export async function readStylesCsv(path: string): Promise<StylesTable> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    throw new Error(
      `Cannot read ${path}: ${
        (error as Error).message
      }. Run the data step (deno task data) or set FASHION_MIRROR`,
    );
  }
  return parseStylesCsv(text, path);
}

/** One mapping rule from a `styles.csv` (subCategory, articleType) to the tree. */
export interface StyleRule {
  /** `styles.csv` subCategory. */
  subCategory: string;
  /** `styles.csv` articleType. */
  articleType: string;
  /** Target main category. */
  category: MainCategory;
  /** Target type (must exist for the row's gender, else the row goes to `Others` or is excluded). */
  type: string;
}

/** The full mapping table; rows matching no rule are outside the tree. */
export const STYLE_RULES: readonly StyleRule[] = [
  {
    subCategory: "Shoes",
    articleType: "Sports Shoes",
    category: "Shoes",
    type: "Trainers/Sneakers",
  },
  {
    subCategory: "Shoes",
    articleType: "Casual Shoes",
    category: "Shoes",
    type: "Others",
  },
  {
    subCategory: "Shoes",
    articleType: "Formal Shoes",
    category: "Shoes",
    type: "Formal shoes",
  },
  {
    subCategory: "Shoes",
    articleType: "Heels",
    category: "Shoes",
    type: "High heels",
  },
  {
    subCategory: "Shoes",
    articleType: "Flats",
    category: "Shoes",
    type: "Ballerina",
  },
  {
    subCategory: "Shoes",
    articleType: "Sandals",
    category: "Shoes",
    type: "Sandals/Flip flops/Slippers",
  },
  {
    subCategory: "Sandal",
    articleType: "Sandals",
    category: "Shoes",
    type: "Sandals/Flip flops/Slippers",
  },
  {
    subCategory: "Sandal",
    articleType: "Sports Sandals",
    category: "Shoes",
    type: "Sandals/Flip flops/Slippers",
  },
  {
    subCategory: "Sandal",
    articleType: "Flip Flops",
    category: "Shoes",
    type: "Sandals/Flip flops/Slippers",
  },
  {
    subCategory: "Flip Flops",
    articleType: "Flip Flops",
    category: "Shoes",
    type: "Sandals/Flip flops/Slippers",
  },
  {
    subCategory: "Bottomwear",
    articleType: "Jeans",
    category: "Trousers&Jeans",
    type: "Jeans",
  },
  {
    subCategory: "Bottomwear",
    articleType: "Jeggings",
    category: "Trousers&Jeans",
    type: "Jeans",
  },
  {
    subCategory: "Bottomwear",
    articleType: "Trousers",
    category: "Trousers&Jeans",
    type: "Trousers",
  },
  {
    subCategory: "Bottomwear",
    articleType: "Track Pants",
    category: "Trousers&Jeans",
    type: "Trousers",
  },
  {
    subCategory: "Bottomwear",
    articleType: "Capris",
    category: "Trousers&Jeans",
    type: "Trousers",
  },
  {
    subCategory: "Bottomwear",
    articleType: "Rain Trousers",
    category: "Trousers&Jeans",
    type: "Trousers",
  },
  {
    subCategory: "Eyewear",
    articleType: "Sunglasses",
    category: "Glasses&Sunglasses",
    type: "Sunglasses",
  },
];

const GENDER_MAP: Record<string, Gender> = {
  Men: "Male",
  Boys: "Male",
  Women: "Female",
  Girls: "Female",
};

/** Outcome of mapping one row. */
export type StyleMapping =
  | { kind: "label"; label: TaxonomyLabel }
  | { kind: "excluded"; reason: string };

/**
 * Maps one `styles.csv` row onto the tree (before the class-size rule).
 *
 * @example
 * ```ts
 * mapStyleRow({ gender: "Women", subCategory: "Shoes", articleType: "Heels" });
 * // { kind: "label", label: { category: "Shoes", gender: "Female", type: "High heels" } }
 * ```
 */
export function mapStyleRow(
  row: Pick<StyleRow, "gender" | "subCategory" | "articleType">,
): StyleMapping {
  const rule = STYLE_RULES.find((r) =>
    r.subCategory === row.subCategory && r.articleType === row.articleType
  );
  if (!rule) {
    return {
      kind: "excluded",
      reason: `outside the tree: ${row.subCategory}/${row.articleType}`,
    };
  }
  const info = TAXONOMY[rule.category];
  if (!info.gendered) {
    return {
      kind: "label",
      label: { category: rule.category, type: rule.type },
    };
  }
  const gender = GENDER_MAP[row.gender];
  if (!gender) {
    return {
      kind: "excluded",
      reason:
        `no gender label ('${row.gender}') for gendered category ${rule.category}`,
    };
  }
  let type = rule.type;
  if (!info.types[gender].includes(type)) {
    if (!info.types[gender].includes("Others")) {
      return {
        kind: "excluded",
        reason: `type ${type} does not exist for ${gender} ${rule.category}`,
      };
    }
    type = "Others";
  }
  return { kind: "label", label: { category: rule.category, gender, type } };
}

/** A labelled item (any id-carrying record). */
export interface LabelledItem {
  /** Item id (e.g. product id). */
  id: string;
  /** Its leaf in the tree. */
  label: TaxonomyLabel;
}

/** One row of the counts table. */
export interface ClassCount {
  /** Flat label, see {@link flatLabel}. */
  label: string;
  /** Category, gender, type. */
  leaf: TaxonomyLabel;
  /** Images mapped here before the rule. */
  count: number;
  /** What the rule did. */
  status: "kept" | "merged" | "dropped" | "empty";
  /** For merged classes: the flat label they were merged into. */
  into?: string;
  /** Images in the class after merging (kept classes only). */
  finalCount?: number;
  /** `styles.csv` source counts, e.g. `{ "Men/Shoes/Casual Shoes": 626 }`. */
  sources: Record<string, number>;
}

/** Result of {@link applyClassSizeRule}. */
export interface ClassSizeResult<T extends LabelledItem> {
  /** Items that remain, with merged labels rewritten. */
  items: T[];
  /** Every leaf of the tree, with counts and the rule's decision. */
  table: ClassCount[];
  /** The rule's threshold. */
  minClassSize: number;
}

/** All leaves of the tree in a stable order. */
export function allLeaves(): TaxonomyLabel[] {
  const out: TaxonomyLabel[] = [];
  for (const category of MAIN_CATEGORIES) {
    const info = TAXONOMY[category];
    if (!info.gendered) {
      for (const type of info.types.Male) out.push({ category, type });
      continue;
    }
    for (const gender of ["Male", "Female"] as const) {
      for (const type of info.types[gender]) {
        out.push({ category, gender, type });
      }
    }
  }
  return out;
}

/**
 * Applies the class-size rule: classes under `minClassSize` images are merged
 * into the same gender's `Others` (if the category has one) or dropped.
 * `sourceOf` (optional) names each item's origin for the table's `sources`.
 */
export function applyClassSizeRule<T extends LabelledItem>(
  items: readonly T[],
  minClassSize = 40,
  sourceOf?: (item: T) => string,
): ClassSizeResult<T> {
  const byLabel = new Map<string, T[]>();
  for (const item of items) {
    const key = flatLabel(item.label);
    if (!byLabel.has(key)) byLabel.set(key, []);
    byLabel.get(key)!.push(item);
  }
  const table: ClassCount[] = allLeaves().map((leaf) => {
    const label = flatLabel(leaf);
    const members = byLabel.get(label) ?? [];
    const sources: Record<string, number> = {};
    if (sourceOf) {
      for (const m of members) {
        const s = sourceOf(m);
        sources[s] = (sources[s] ?? 0) + 1;
      }
    }
    return { label, leaf, count: members.length, status: "kept", sources };
  });
  // Pass 1: small classes go to their gender's Others where one exists.
  const redirect = new Map<string, string | null>();
  for (const row of table) {
    if (row.count === 0) {
      row.status = "empty";
      continue;
    }
    const info = TAXONOMY[row.leaf.category];
    const hasOthers = info.types[row.leaf.gender ?? "Male"].includes("Others");
    if (row.count < minClassSize && row.leaf.type !== "Others" && hasOthers) {
      row.status = "merged";
      row.into = flatLabel({ ...row.leaf, type: "Others" });
      redirect.set(row.label, row.into);
    }
  }
  // Pass 2: a class (Others included, with what was merged into it) that is
  // still under the threshold is dropped, together with its merged classes.
  for (const row of table) {
    if (row.status !== "kept" && row.status !== "empty") continue;
    const merged = table.filter((r) => r.into === row.label);
    const total = row.count + merged.reduce((a, r) => a + r.count, 0);
    if (total === 0) continue;
    if (total >= minClassSize) {
      row.status = "kept";
      continue;
    }
    row.status = "dropped";
    redirect.set(row.label, null);
    for (const r of merged) {
      r.status = "dropped";
      r.into = undefined;
      redirect.set(r.label, null);
    }
  }
  const kept: T[] = [];
  for (const item of items) {
    const key = flatLabel(item.label);
    const target = redirect.has(key) ? redirect.get(key) : key;
    if (!target) continue;
    if (target === key) kept.push(item);
    else {
      kept.push({ ...item, label: { ...item.label, type: "Others" } });
    }
  }
  const finalByLabel = new Map<string, number>();
  for (const item of kept) {
    const key = flatLabel(item.label);
    finalByLabel.set(key, (finalByLabel.get(key) ?? 0) + 1);
  }
  for (const row of table) {
    if (row.status === "kept") {
      row.finalCount = finalByLabel.get(row.label) ?? 0;
    }
  }
  return { items: kept, table, minClassSize };
}

/**
 * Formats the counts table as aligned text for a terminal or report.
 */
export function formatClassTable(table: readonly ClassCount[]): string {
  const lines = table.map((r) => {
    const what = r.status === "merged"
      ? `merged into ${r.into}`
      : r.status === "kept"
      ? `kept (${r.finalCount ?? r.count})`
      : r.status;
    return `${r.label.padEnd(50)} ${String(r.count).padStart(5)}  ${what}`;
  });
  return [`${"class".padEnd(50)} ${"n".padStart(5)}  decision`, ...lines]
    .join("\n");
}
