/**
 * The class-size rule ({@link applyClassSizeRule}): a (category, gender,
 * type) class of the label tree (`label_tree.ts`) with fewer than
 * `minClassSize` images (default 40) is merged into its gender's `Others`
 * class when the category has one and the class is not `Others` itself;
 * otherwise it is dropped. Each decision is listed in the counts table for
 * the report ({@link formatClassTable}).
 *
 * @example
 * ```ts
 * const sized = applyClassSizeRule(labelled); // labelled: { id, label }[]
 * console.log(formatClassTable(sized.table));
 * ```
 *
 * @module
 */
import {
  allLeaves,
  flatLabel,
  TAXONOMY,
  type TaxonomyLabel,
} from "./label_tree.ts";

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
