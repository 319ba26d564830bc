/**
 * The fashion shop's label tree (study 000, "Fashion Shop Images
 * Classification"): main category -> gender -> type, with the studies' exact
 * class names.
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
 * How the public `styles.csv` is mapped onto this tree is in
 * `style_rules.ts`; how small classes are merged or dropped is in
 * `class_size.ts`.
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
