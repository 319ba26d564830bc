/**
 * Study 000's models as a catalog: which notebook trains each, how its data
 * is loaded, and the study's published test accuracy. Notebook 08 tests the
 * catalog's models (with study 001's, from `../s001/catalog.ts`) again
 * without training (`test_all.ts`).
 *
 * @module
 */
import { type Profile } from "../../profiles.ts";
import { PUBLISHED } from "../../published/published.ts";

import {
  type CategoryLevel,
  type GenderedCategory,
  type ModelLevel,
  PRIMARY_BEST,
  STUDY_000_BEST,
  type StudyModelSpec,
  TROUSERS_JEANS_COMBINED,
} from "./specs.ts";
import {
  type LevelData,
  loadLevel,
  loadPrimary,
  type ShopArraysSource,
} from "./data.ts";

/** One model of the catalog. */
export interface CatalogEntry {
  /** Study id, `000` or `001`. */
  study: "000" | "001";
  /** The `model` tag, e.g. `Trousers&Jeans_All_L2`. */
  model: string;
  /** The `level` tag. */
  level: ModelLevel;
  /** The notebook that trains it. */
  notebook: string;
  /** Whether its record is a search (the model is in the `<model> test` run). */
  search: boolean;
  /** Loads its train / validation / test arrays at a profile. */
  load(
    source: ShopArraysSource,
    profile: Profile,
    seed: number,
  ): Promise<LevelData>;
}

const levelEntry = (
  category: GenderedCategory,
  level: CategoryLevel,
  spec: StudyModelSpec,
  notebook: string,
): CatalogEntry => ({
  study: "000",
  model: spec.name,
  level,
  notebook,
  search: false,
  load: (source, profile, seed) =>
    loadLevel(source, category, level, profile, seed),
});

/** Every model of study 000 that the notebooks train (Glasses&Sunglasses aside). */
export const STUDY_000_CATALOG: CatalogEntry[] = [
  {
    study: "000",
    model: PRIMARY_BEST.name,
    level: "Primary",
    notebook: "03_primary_classification",
    search: true,
    load: loadPrimary,
  },
  ...Object.values(TROUSERS_JEANS_COMBINED).map((spec) =>
    levelEntry("Trousers & Jeans", "All", spec, "05_trousers_jeans")
  ),
  ...(["Gender", "Male", "Female"] as const).map((level) =>
    levelEntry(
      "Trousers & Jeans",
      level,
      STUDY_000_BEST["Trousers & Jeans"][level],
      "05_trousers_jeans",
    )
  ),
  ...(["All", "Gender", "Male", "Female"] as const).map((level) =>
    levelEntry("Shoes", level, STUDY_000_BEST.Shoes[level], "06_shoes")
  ),
];

/** The study's published test accuracy of a model, if it has one. */
export function publishedTestAccuracy(
  study: string,
  model: string,
): number | undefined {
  return PUBLISHED.find((p) =>
    p.study === study && p.model === model && p.metric === "test accuracy"
  )?.value;
}

/** The models of a category a notebook trains: the combined one(s), then the chain. */
export function categoryModels(
  category: GenderedCategory,
): { level: CategoryLevel; spec: StudyModelSpec }[] {
  const combined = category === "Trousers & Jeans"
    ? Object.values(TROUSERS_JEANS_COMBINED).map((spec) => ({
      level: "All" as const,
      spec,
    }))
    : [{ level: "All" as const, spec: STUDY_000_BEST[category].All }];
  return [
    ...combined,
    ...(["Gender", "Male", "Female"] as const).map((level) => ({
      level,
      spec: STUDY_000_BEST[category][level],
    })),
  ];
}
