/**
 * Study 003's label rule: which `masterCategory`, `subCategory` and `gender`
 * classes of the product catalogue the three heads learn, with every merge
 * and drop recorded.
 *
 * @module
 */
import { join } from "node:path";
import { readStylesCsv } from "../../data/labels/styles_csv.ts";
import {
  MULTI_OUTPUT_HEADS,
  type MultiOutputHead,
} from "../../models/multi_output.ts";

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
