/**
 * The documented mapping of the Fashion Product Images `styles.csv` (the
 * real stand-in for the shop's data) onto the fashion shop's label tree
 * (`label_tree.ts`). Each row maps by its (subCategory, articleType) pair;
 * {@link STYLE_RULES} is the full table, {@link mapStyleRow} applies it.
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
 * The mapping comes before the class-size rule (`class_size.ts`), which
 * then merges or drops the classes that end up too small.
 *
 * @module
 */
import {
  type Gender,
  type MainCategory,
  TAXONOMY,
  type TaxonomyLabel,
} from "./label_tree.ts";
import type { StyleRow } from "./styles_csv.ts";

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

/** `styles.csv` genders that have a gender label; `Unisex` has none. */
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
